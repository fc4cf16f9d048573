import type { Response } from 'express';
import { SandboxError } from '../domain/sandbox-error.js';

/** Admin errors are plain JSON naming the field (PRODUCT.md § HTTP surface). */
export class AdminError extends SandboxError {
  readonly status: number;
  readonly field: string | undefined;

  constructor(status: number, message: string, field?: string) {
    super('AdminError', message);
    this.status = status;
    this.field = field;
  }
}

export function sendAdminError(res: Response, status: number, error: string, field?: string): void {
  res.status(status).setHeader('Cache-Control', 'no-store');
  res.json(field ? { error, field } : { error });
}
