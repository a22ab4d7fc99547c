/**
 * The watchdog: health checks, the recovery ladder, detector reports and their rules, and the
 * actions they run. What a rule may ask of a provider is {@link
 * dev.baton.agent.watchdog.ProviderControl}, which the reconciler implements from above. Uses
 * {@code events}, {@code config} and baton-core; never the session, placement or supervisor.
 */
package dev.baton.agent.watchdog;
