import { benchDelivery } from '/work/main/bench/delivery-bench.js';
import { benchJobQueue } from '/work/main/bench/job-queue-bench.js';
console.log(await benchDelivery({ store: 'sqlite', processes: 1, handovers: 100 }));
console.log(await benchDelivery({ store: 'postgres', processes: 2, handovers: 100 }));
console.log(await benchJobQueue('pg-boss', 2, 200));
console.log(await benchJobQueue('graphile-worker', 2, 200));
