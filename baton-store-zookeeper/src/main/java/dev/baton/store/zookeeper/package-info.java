/**
 * The coordination store on an Apache ZooKeeper ensemble, through Apache Curator: a node's session
 * is an ephemeral znode of its ZooKeeper session, ownerships are znodes written by compare-and-set
 * on their version, and changes reach every agent through a persistent recursive watch. See
 * {@code docs/store-zookeeper.md} for the znode layout and how connection states drive fencing.
 * Only {@link dev.baton.store.zookeeper.ZookeeperStoreProvider} is public; it is found through
 * {@link java.util.ServiceLoader}.
 */
package dev.baton.store.zookeeper;
