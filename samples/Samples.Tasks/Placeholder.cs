namespace Samples.Tasks;
