package dev.baton.cli;

import picocli.CommandLine.Command;

/**
 * {@code baton} with this module's commands. {@link Main#commandLine()} adds those of other modules
 * ({@link CommandModule}), then help, last.
 */
@Command(name = "baton",
    mixinStandardHelpOptions = true,
    versionProvider = Version.class,
    description = {
        "Keeps each service running on exactly one server of a group, and moves it when that server fails.",
        ""},
    subcommands = {AgentCommand.class, ValidateCommand.class, StatusCommand.class, StopCommand.class, ReloadCommand.class,
        OperatorCommands.Move.class, OperatorCommands.Drain.class, OperatorCommands.Undrain.class,
        OperatorCommands.Disable.class, OperatorCommands.Enable.class, OperatorCommands.Rank.class,
        OperatorCommands.Failback.class, OperatorCommands.Pause.class, OperatorCommands.Resume.class,
        OperatorCommands.Restart.class, ResolveCommand.class,
        HeartbeatCommand.class, ClearCommand.class, EventsCommand.class, ReportCommand.class},
    footer = {"",
        "Start here: baton demo          (a 3-node group on this machine)",
        "Operator commands talk to an agent's HTTP API: --api URL[,URL...], else $BATON_API, else http://127.0.0.1:7070",
        "(with several, the next when one cannot be reached); with the group's token from --token-file FILE or $BATON_TOKEN;",
        "https:// agents verified with --cacert FILE or $BATON_CACERT.",
        "Exit codes: 0 ok, 1 failed, 2 bad input, 3 agent unreachable, 4 conflict,",
        "5 --wait timed out (the change was accepted and may still happen), 6 token missing or refused (401)."})
final class BatonCommand {}
