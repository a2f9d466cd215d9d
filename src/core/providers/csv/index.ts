// A deals export (CSV) from a CRM without an API: RegionSoft CRM, 1C, a spreadsheet.
import * as path from 'node:path';
import * as z from 'zod/mini';
import { ProviderError } from '../../errors';
import { defineVendor, setting } from '../vendor';
import { csvCrm } from './crm';

const Columns = z.partialRecord(
  z.enum(['ticket', 'customer', 'amount', 'currency', 'stage', 'closeDate', 'owner', 'ownerEmail', 'url', 'id']),
  z.string(),
);

/** The CSV vendor (CRM, read-only: questions need another route). */
export const csv = defineVendor({
  id: 'csv',
  label: 'CSV export',
  description: 'RegionSoft CRM, 1C, a spreadsheet',
  kinds: ['crm'],
  remote: false,
  settings: {
    file: setting(z.string(), ''),
    columns: setting(Columns, {}),
  },
  configure: [{ setting: 'file', title: 'Deals export (CSV)', files: { CSV: ['csv', 'txt'] } }],
  factories: {
    crm(ctx) {
      if (!ctx.settings.file) {
        throw new ProviderError('notConfigured', 'customerContext.csv.file is not set: point it at the deals export (CSV).', { where: 'customerContext.csv.file' });
      }
      const file = ctx.files.resolve(ctx.settings.file);
      return csvCrm(() => ctx.files.readText(file), ctx.settings.columns, path.basename(file));
    },
  },
});
