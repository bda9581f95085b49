/**
 * At most `max` tasks at once, the rest queued in order. The registry verifies a
 * bcrypt hash on every request, so an unbounded burst only queues on its CPU and
 * trips per-request timeouts: the bound keeps each request's clock honest.
 */
export function createLimit(max: number): <T>(task: () => Promise<T>) => Promise<T> {
  let active = 0;
  const waiting: (() => void)[] = [];
  // A finished task hands its slot straight to the next in line, so a newcomer can never slip in between.
  const release = () => {
    const wake = waiting.shift();
    if (wake) wake();
    else active--;
  };
  return async <T>(task: () => Promise<T>): Promise<T> => {
    if (active < max) active++;
    else await new Promise<void>((resolve) => waiting.push(resolve));
    try {
      return await task();
    } finally {
      release();
    }
  };
}
