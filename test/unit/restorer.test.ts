import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { MAINTENANCE_FILE } from '../../src/maintenance/record.js';
import { restoreInterruptedMaintenance } from '../../src/maintenance/restore.js';
import { maintenanceRestorer } from '../../src/maintenance/restorer.js';

describe('maintenanceRestorer (init loads the gc restorer only when a record is there)', () => {
  it('gives the real restorer when DIR holds a record', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'rs-restorer-'));
    writeFileSync(join(dir, MAINTENANCE_FILE), '{}\n');
    expect(await maintenanceRestorer(dir)).toBe(restoreInterruptedMaintenance);
  });

  it('otherwise one that says nothing, or names a record that appeared after the look', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'rs-restorer-'));
    const restore = await maintenanceRestorer(dir);
    expect(restore).not.toBe(restoreInterruptedMaintenance);
    expect(restore(dir)).toBeNull();
    writeFileSync(join(dir, MAINTENANCE_FILE), '{}\n');
    expect(restore(dir)).toBe(`a gc's ${MAINTENANCE_FILE} record appeared meanwhile; the next registry-setup command undoes its read-only window`);
  });
});
