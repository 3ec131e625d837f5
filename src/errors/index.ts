export { errorCodes, type ErrorCode } from './codes.js';
export { SluiceError, type ErrorBody } from './sluice-error.js';
