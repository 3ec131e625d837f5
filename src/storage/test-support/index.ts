/**
 * Test support for anything that writes to S3: s3rver in-process behind a proxy that enforces the
 * seed's PutObject-only bucket policy, records requests and injects faults. See the two modules.
 */
export { startS3TestServer, S3RVER_CREDENTIALS, type S3TestServer, type StoredTestObject } from './s3-test-server.js';
export { S3PolicyProxy, type ProxyFault, type ProxyPolicy, type RecordedRequest } from './s3-policy-proxy.js';
