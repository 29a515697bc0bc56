/**
 * @module bench/profile
 *
 * `node .bench/build/bench/profile.js FILE.cpuprofile [N]`: where a profiled
 * process spent its time (see lib/cpu-profile). `npm run bench -- --profile`
 * writes such files for every Scriba process and prints these summaries.
 */
import { formatProfile, summarizeProfile } from "./lib/cpu-profile.js";

const [file, count] = process.argv.slice(2);
if (file === undefined) {
  process.stderr.write("usage: node .bench/build/bench/profile.js FILE.cpuprofile [N]\n");
  process.exit(2);
}
process.stdout.write(`${formatProfile(summarizeProfile(file, count === undefined ? 25 : Number(count)))}\n`);
