/**
 * JSON-schema pieces shared by the admin routes (and so by the OpenAPI document). Every object is
 * closed (`additionalProperties: false`) and every string and array bounded.
 */
export type Schema = Record<string, unknown>;

export const MAX_NAME = 200;
export const MAX_ID = 64;
export const MAX_SOURCE_IDS = 500;

export const idString: Schema = { type: 'string', minLength: 1, maxLength: MAX_ID };
/** A display name: 1–200 characters, not only whitespace. */
export const nameString: Schema = { type: 'string', minLength: 1, maxLength: MAX_NAME, pattern: '\\S' };
export const timeString: Schema = { type: 'string', format: 'date-time' };
export const roleEnum: Schema = { type: 'string', enum: ['owner', 'read_only', 'source_collaborator'] };
export const sourceIdList: Schema = { type: 'array', items: idString, maxItems: MAX_SOURCE_IDS };

export const object = (properties: Record<string, Schema>, required: readonly string[] = []): Schema => ({
  type: 'object',
  properties,
  required: [...required],
  additionalProperties: false,
});

export const workspaceParams = object({ workspace: { type: 'string', minLength: 1, maxLength: 64 } }, ['workspace']);
export const workspaceIdParams = (idName: string): Schema =>
  object({ workspace: { type: 'string', minLength: 1, maxLength: 64 }, [idName]: idString }, ['workspace', idName]);

/** A body that must be absent or an empty object (POST actions such as rotate or flush). */
export const emptyBody: Schema = { type: 'object', additionalProperties: false, maxProperties: 0, 'x-optional-body': true };
