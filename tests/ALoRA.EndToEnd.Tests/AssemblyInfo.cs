// Every test starts real processes (a silo with a CPU trainer, the CLI) on a small machine: one test at a time, so
// trainings do not compete for the cores and timings stay predictable.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
