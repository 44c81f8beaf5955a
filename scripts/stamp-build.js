// Steps of `npm run build` around tsc: `clean` removes dist/ first (no module of a deleted
// source survives, and a failed build leaves no stamp); without it, records which version
// dist/ was compiled from (bin/built.js reads it).
import { clearBuild, writeBuildStamp } from '../bin/built.js';

if (process.argv[2] === 'clean') clearBuild();
else writeBuildStamp();
