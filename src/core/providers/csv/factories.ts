// The CSV export's CRM, in the lazily loaded bundle: its parser is large and only CSV users need it.
import * as path from 'node:path';
import { ProviderError } from '../../errors';
import type { VendorFactories, VendorSettingsOf } from '../vendor';
import { csvCrm } from './crm';
import type { csv } from './index';

/** The CSV export's CRM. */
export const csvFactories: VendorFactories<VendorSettingsOf<typeof csv>> = {
  crm(ctx) {
    if (!ctx.settings.file) {
      throw new ProviderError('notConfigured', 'customerContext.csv.file is not set: point it at the deals export (CSV).', { where: 'customerContext.csv.file' });
    }
    const file = ctx.files.resolve(ctx.settings.file);
    return csvCrm(
      () => ctx.files.readText(file, { setting: 'csv.file', what: 'a CSV export' }),
      ctx.settings.columns,
      path.basename(file),
    );
  },
};
