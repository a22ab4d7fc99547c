package dev.baton.cli;

import java.util.List;

/**
 * Top-level commands that another module adds to {@code baton}, so that this module need not depend
 * on it: baton-lab adds {@code demo} and {@code bench} this way. {@link Main#commandLine()} finds every
 * implementation named in a {@code META-INF/services/dev.baton.cli.CommandModule} file on the classpath
 * with {@link java.util.ServiceLoader}. {@code baton --help} lists this module's commands first, then
 * those of the modules (taken in the order of their class names, each one's commands in the order it
 * gives them), then {@code help}.
 */
public interface CommandModule {
  /** Picocli {@code @Command} classes, in the order {@code baton --help} lists them. */
  List<Class<?>> commands();
}
