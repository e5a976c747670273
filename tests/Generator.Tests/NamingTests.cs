using TypedTasks.Generator.Emitting;

namespace TypedTasks.Generator.Tests;

public sealed class NamingTests
{
    [Theory]
    [InlineData("Samples.Tasks", "SamplesTasks", "AddSamplesTasks")]
    [InlineData("MyApp", "MyApp", "AddMyAppTasks")]
    [InlineData("my-app.worker", "MyappWorker", "AddMyappWorkerTasks")]
    [InlineData("1st.Jobs", "_1stJobs", "Add_1stJobsTasks")]
    [InlineData("Tasks", "Tasks", "AddTasks")]
    public void Sanitize_AssemblyName_GivesRegistrationMethod(string assemblyName, string sanitized, string method)
    {
        Assert.Equal(sanitized, DispatcherEmitter.Sanitize(assemblyName));
        Assert.Equal(method, DispatcherEmitter.MethodName(sanitized));
    }
}
