System.Console.WriteLine("worker placeholder");
