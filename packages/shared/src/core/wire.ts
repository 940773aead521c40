/**
 * The error wire contract: what every typecrud error carries to its caller, declared once for the
 * server (which builds it) and the client (which reads it).
 */

/** One problem with one part of the input, by its path (`['data', 'name']`). */
export interface FieldIssue {
  path: (string | number)[];
  message: string;
}

/** The structured part of every typecrud error; it reaches the client as `error.data.typecrud`. */
export interface ErrorDetails {
  /** Problems with particular fields of the input. */
  issues?: FieldIssue[];
  /** The fields a conflict or a reference is about. */
  fields?: string[];
  /** For a stale version: the version the row has now. */
  currentVersion?: number;
  /** For TOO_MANY_REQUESTS and SERVICE_UNAVAILABLE: seconds to wait before retrying (also the Retry-After header). */
  retryAfterSeconds?: number;
}

/** The `data` of a typecrud error shape as the client receives it (tRPC's own fields and ours). */
export interface ErrorShapeData {
  code?: string;
  httpStatus?: number;
  path?: string;
  typecrud?: ErrorDetails;
}
