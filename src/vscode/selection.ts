// Follows the editor selection (debounced) so the question form can offer "Include selected code".
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { Session } from '../core/session';

export function followSelection(session: Session): vscode.Disposable {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const sub = vscode.window.onDidChangeTextEditorSelection((e) => {
    clearTimeout(timer);
    timer = setTimeout(() => {
      const sel = e.textEditor.selection;
      const repo = session.current().repository;
      const file = e.textEditor.document.uri.fsPath;
      session.setSelection(sel.isEmpty || !repo ? undefined : {
        file: path.relative(repo, file) || path.basename(file),
        startLine: sel.start.line + 1,
        // As the excerpt counts them (QuestionService.selection): ending at column 0 ends on the line above.
        endLine: sel.end.character === 0 && sel.end.line > sel.start.line ? sel.end.line : sel.end.line + 1,
      });
    }, 250);
  });
  return { dispose: () => (clearTimeout(timer), sub.dispose()) };
}
