// Writes captures/sample-city.pcap and captures/sample-city.expected.json for topologies/sample-city.yaml.
// Deterministic: the same bytes on every run. Usage: dotnet run --project captures/SampleGen -- captures/
using SegVerify.SampleGen;

var outDir = args.Length > 0 ? args[0] : "captures";
int frames = SampleCity.Write(outDir);
Console.WriteLine($"wrote {frames} frames to {Path.Combine(outDir, SampleCity.CaptureName)} and the labels to {Path.Combine(outDir, SampleCity.LabelsName)}");
