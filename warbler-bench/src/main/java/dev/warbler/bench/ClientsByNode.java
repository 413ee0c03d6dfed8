package dev.warbler.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.function.IntUnaryOperator;

/**
 * One {@link LoadClient} per node of the target and the rule that puts each user on a node: on one
 * node everyone shares one client; on a cluster, users spread so that the two sides of a
 * conversation sit on different nodes wherever the scenario allows it.
 */
final class ClientsByNode implements AutoCloseable {
  private final List<LoadClient> clients = new ArrayList<>();
  private final IntUnaryOperator nodeOf;

  private ClientsByNode(Target target, int threads, IntUnaryOperator nodeOf) {
    this.nodeOf = nodeOf;
    for (var ws : target.nodes()) {
      clients.add(new LoadClient(ws, threads));
    }
  }

  /** Partners {@code i} and {@code i ^ 1} on neighbouring nodes (different ones from 2 nodes). */
  static ClientsByNode pairs(Target target, int threads) {
    int n = target.nodes().size();
    return new ClientsByNode(target, threads, i -> ((i >> 1) + (i & 1)) % n);
  }

  /** User {@code i} on node {@code i mod N}: a group's members spread over every node. */
  static ClientsByNode roundRobin(Target target, int threads) {
    int n = target.nodes().size();
    return new ClientsByNode(target, threads, i -> i % n);
  }

  /** The client of user {@code i}'s node. */
  LoadClient forUser(int i) {
    return clients.get(nodeOf.applyAsInt(i));
  }

  int nodes() {
    return clients.size();
  }

  @Override
  public void close() {
    clients.forEach(LoadClient::close);
  }
}
