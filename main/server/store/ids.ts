import { randomBytes } from 'node:crypto';

/**
 * A UUIDv7: 48 bits of milliseconds, then 74 random bits. Random enough that ids cannot be guessed or enumerated
 * (ARCHITECTURE.md, Identifiers), time-ordered so B-tree inserts stay local, and the same shape in SQLite and
 * PostgreSQL. Node 20 only ships v4, hence the few lines here.
 */
export function newId(now: number = Date.now()): string {
  const bytes = randomBytes(16);
  bytes.writeUIntBE(now, 0, 6);
  bytes.writeUInt8((bytes.readUInt8(6) & 0x0f) | 0x70, 6);
  bytes.writeUInt8((bytes.readUInt8(8) & 0x3f) | 0x80, 8);
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
