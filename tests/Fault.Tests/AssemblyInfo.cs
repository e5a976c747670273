// Each scenario owns the machine's two cores while it kills and stops processes: never two at once.
[assembly: Xunit.v3.Parallelization(Mode = Xunit.Sdk.ParallelMode.None)]
