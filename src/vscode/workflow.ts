// The workflow half of the extension, built as its own bundle (dist/workflow.js) and loaded on first
// use: Start Work (branch names) when the command runs, progress notes when the user turns them on,
// and the token and Configure flows when one of their commands runs.
// Keeps dist/extension.js, which every window loads at start, within its size budget.
export { ProgressService } from './progress';
export { startWorkCommand } from './startWork';
export { Credentials, testConnection } from './credentials';
