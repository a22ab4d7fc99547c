package dev.baton.lab.bench;

import picocli.CommandLine.Command;

@Command(name = "bench", mixinStandardHelpOptions = true,
    description = "Measure Baton on this machine with real agent processes.",
    subcommands = {BenchFailoverCommand.class, BenchFaultsCommand.class, BenchLoadCommand.class, BenchLatchCommand.class, BenchPairCommand.class,
        BenchScaleCommand.class})
public final class BenchCommand {}
