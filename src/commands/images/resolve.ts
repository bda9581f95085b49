import { parseConnectionFlags, type ConnectionFlags, type ConnectionOptions } from '../../options/connection.js';
import { parseRepoName } from '../../registry/refs.js';

export interface ImagesFlags extends ConnectionFlags {
  json?: boolean;
}

export interface ImagesOptions {
  connection: ConnectionOptions;
  /** Named repositories, or empty for the whole catalog. */
  repos: string[];
}

export function resolveImages(repoArgs: string[], flags: ImagesFlags): ImagesOptions {
  return {
    connection: parseConnectionFlags(flags),
    repos: [...new Set(repoArgs.map((r) => parseRepoName(r)))],
  };
}
