// Torch tests share libtorch's thread pool and the process-wide tensor statistics; running them one at a time keeps
// the numerical and memory assertions exact and the 2-core machines uncontended.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
