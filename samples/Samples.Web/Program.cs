System.Console.WriteLine("web placeholder");
