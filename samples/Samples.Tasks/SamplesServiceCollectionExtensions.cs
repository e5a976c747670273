using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Samples.Tasks;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers the services the sample tasks use.</summary>
public static class SamplesServiceCollectionExtensions
{
    /// <summary>
    /// Adds <see cref="SamplesOptions"/> (bound from the <c>Samples</c> section), the <see cref="AssetStore"/>
    /// and the pickup-folder <see cref="IEmailSender"/> (kept if one is registered already).
    /// </summary>
    /// <param name="services">The services.</param>
    /// <param name="configuration">The application's configuration.</param>
    /// <returns>The services.</returns>
    public static IServiceCollection AddSampleServices(this IServiceCollection services, IConfiguration configuration)
    {
        services.Configure<SamplesOptions>(configuration.GetSection(SamplesOptions.SectionName));
        services.AddSingleton(sp => sp.GetRequiredService<IOptions<SamplesOptions>>().Value);
        services.AddSingleton<AssetStore>();
        services.TryAddSingleton<IEmailSender, PickupFolderEmailSender>();

        return services;
    }
}
