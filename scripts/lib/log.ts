/** The scripts' output: plain lines, and a marked line at the start of each step. */
export const log = (line: string): void => console.log(line);
export const step = (line: string): void => console.log(`\n==> ${line}`);
