import type { Response } from 'express';

/** Admin errors are plain JSON naming the field (PRODUCT.md § HTTP surface). */
export class AdminError extends Error {
  readonly status: number;
  readonly field: string | undefined;

  constructor(status: number, message: string, field?: string) {
    super(message);
    this.name = 'AdminError';
    this.status = status;
    this.field = field;
  }
}

export function sendAdminError(res: Response, status: number, error: string, field?: string): void {
  res.status(status).setHeader('Cache-Control', 'no-store');
  res.json(field ? { error, field } : { error });
}
