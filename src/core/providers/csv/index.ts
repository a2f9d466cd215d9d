// A deals export (CSV) from a CRM without an API: RegionSoft CRM, 1C, a spreadsheet.
import * as z from 'zod/mini';
import { defineVendor, setting } from '../vendor';

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
  lazyFactories: true,
});
