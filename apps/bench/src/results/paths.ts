// No machine paths in results or reports: a path inside the repository is written relative to it
// ("./.run/stack"), any other absolute path under a machine's folders keeps only its last name
// ("…/dynomite"). Committed results then say what ran, not where one machine keeps it.
import { relative, sep } from 'node:path';
import { REPO_ROOT } from '../stack/layout';

const MACHINE_PATH = /(?<![\w.:/~-])\/(?:work|home|root|tmp|opt|usr|var|srv|mnt|private|Users)(?:\/[\w.@+-]+)+\/?/g;

/** The path as reports show it: relative to the repository when inside it, else "…/<name>". */
export function displayPath(path: string, root = REPO_ROOT): string {
  const rel = relative(root, path);
  if (rel === '') return '.';
  if (!rel.startsWith('..') && !rel.startsWith(sep)) return `./${rel.split(sep).join('/')}`;
  const name = path.replace(/\/+$/, '').split('/').pop();
  return name ? `…/${name}` : '…';
}

/** Every machine path in a text replaced as displayPath does. */
export function redactPaths(text: string, root = REPO_ROOT): string {
  return text.replace(MACHINE_PATH, (m) => displayPath(m, root));
}
