// Every failure the agent reports has a stable code an admin can search for in
// docs/errors.md, names what is at fault (key, file:line, host) and says what to do.

export type ErrorCode =
  | 'LTSP_CONF_SYNTAX'
  | 'LTSP_CONF_TOO_LARGE'
  | 'LTSP_CONF_BINARY'
  | 'LTSP_CONF_LIKE_CYCLE'
  | 'LTSP_CONF_LIKE_MISSING'
  | 'LTSP_CONF_UNREADABLE'
  | 'LTSP_VALUE_INVALID'
  | 'LTSP_VALUE_UNSAFE'
  | 'LTSP_VALUE_READS_FALSE'
  | 'LTSP_KEY_UNKNOWN'
  | 'LTSP_KEY_IGNORED'
  | 'LTSP_KEY_RENAMED'
  | 'LTSP_KEY_UNSUPPORTED'
  | 'LTSP_KEY_NOT_YET'
  | 'LTSP_KEY_UNUSED'
  | 'LTSP_FACT_MISSING'
  | 'LTSP_FACT_INVALID'
  | 'LTSP_USAGE'
  | 'LTSP_EXEC_FAILED'
  | 'LTSP_EXEC_TIMEOUT'
  | 'LTSP_ROOT_PATH'
  | 'LTSP_TFTP_TIMEOUT'
  | 'LTSP_TFTP_ERROR'
  | 'LTSP_TFTP_PROTOCOL'
  | 'LTSP_TFTP_TOO_LARGE'
  | 'LTSP_LDMINFO_UNREACHABLE'
  | 'LTSP_SSH_HOSTKEY_UNKNOWN'
  | 'LTSP_SSH_HOSTKEY_CHANGED'
  | 'LTSP_SSH_AUTH'
  | 'LTSP_SSH_UNREACHABLE'
  | 'LTSP_LOGIN_DENIED'
  | 'LTSP_GREETER_INPUT_ENDED';

export interface Where {
  /** lts.conf key the problem is about, uppercased. */
  key?: string;
  file?: string;
  line?: number;
  host?: string;
}

export class LtspError extends Error {
  readonly code: ErrorCode;
  readonly where: Where;
  /** What the admin should do about it; one sentence. */
  readonly hint: string | undefined;

  constructor(code: ErrorCode, message: string, where: Where = {}, hint?: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'LtspError';
    this.code = code;
    this.where = where;
    this.hint = hint;
  }

  /** One line for a terminal: "file:line: KEY: message (hint)". */
  describe(): string {
    return formatProblem({ code: this.code, message: this.message, where: this.where, hint: this.hint });
  }
}

/** A problem that does not stop anything: the engine keeps going and reports it. */
export interface Problem {
  code: ErrorCode;
  message: string;
  where: Where;
  hint?: string | undefined;
  /** error (default): a value was refused; warning: likely not what the admin meant; info: a note. */
  severity?: 'error' | 'warning' | 'info';
}

/** A refused value: severity error, or none given. */
export function isError(p: Pick<Problem, 'severity'>): boolean {
  return p.severity === undefined || p.severity === 'error';
}

export function formatProblem(p: Omit<Problem, 'severity'>): string {
  const loc = p.where.file !== undefined ? `${p.where.file}${p.where.line !== undefined ? `:${p.where.line}` : ''}: ` : '';
  const key = p.where.key !== undefined ? `${p.where.key}: ` : '';
  const host = p.where.host !== undefined ? ` [host ${p.where.host}]` : '';
  const hint = p.hint ? ` — ${p.hint}` : '';
  return `${loc}${key}${p.message}${host}${hint} (${p.code})`;
}

export function isLtspError(e: unknown): e is LtspError {
  return e instanceof LtspError;
}

export function errorMessage(e: unknown): string {
  if (e instanceof LtspError) return e.describe();
  if (e instanceof Error) return e.message;
  return String(e);
}
