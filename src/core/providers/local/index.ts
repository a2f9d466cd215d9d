// The embedded data file (`.vscode/customer-context.json`): tickets and deals with no account and no
// network; questions go to the inbox file next to it.
import { localCrm, localTracker } from './providers';
import { defineVendor } from '../vendor';

/** The data-file vendor, the default tracker and CRM. */
export const local = defineVendor({
  id: 'local',
  label: 'Data file',
  description: '.vscode/customer-context.json, no account',
  kinds: ['tracker', 'crm'],
  remote: false,
  dataFile: true,
  settings: {},
  factories: {
    tracker: (ctx) => localTracker(ctx.files.dataFile, ctx.files.dataFileLabel),
    crm: (ctx) => localCrm(ctx.files.dataFile, ctx.files.dataFileLabel),
  },
});
