import { z } from 'zod';

/** Org unit ids: short upper-case codes such as "KIT" or "BUF-SKOLER". */
export const OrgUnitIdSchema = z
  .string()
  .regex(/^[A-ZÆØÅ0-9][A-ZÆØÅ0-9-]{0,39}$/u, 'an org unit id is 1-40 upper-case letters, digits or dashes');
export const LocationIdSchema = z
  .string()
  .regex(/^[a-z0-9][a-z0-9-]{0,79}$/, 'a location id is 1-80 lower-case letters, digits or dashes');
/** Server-generated ids (alerts, devices, tokens): UUID v4. */
export const UuidSchema = z.uuid();
export const UsernameSchema = z
  .string()
  .regex(/^[a-z0-9][a-z0-9._-]{1,63}$/, 'a username is 2-64 lower-case letters, digits, dots, dashes or underscores');
