package dev.warbler.cli;

import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine;

/**
 * Base of the client commands: the shared options, stdout for JSON lines only, and one {@code
 * error: ...} line on stderr with exit code 1 for any failure.
 */
abstract class ClientCommand implements Callable<Integer> {
  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @CommandLine.Mixin ClientOptions options = new ClientOptions();

  /** The process environment (variables, working directory, stdin, time zone). */
  abstract Environment env();

  /** Does the work; returns the exit code. Throws for failures, which {@link #call} reports. */
  abstract int run() throws Exception;

  @Override
  public final Integer call() {
    try {
      return run();
    } catch (CommandLine.ParameterException e) {
      throw e; // picocli prints it with the usage and exits with 2
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return Errors.report(err(), e);
    } catch (Exception e) {
      return Errors.report(err(), e);
    }
  }

  PrintWriter out() {
    return spec.commandLine().getOut();
  }

  PrintWriter err() {
    return spec.commandLine().getErr();
  }

  /** Prints one line to stdout and flushes, so a pipe sees it at once. */
  void printLine(String line) {
    PrintWriter out = out();
    synchronized (out) {
      out.println(line);
      out.flush();
    }
  }

  CommandLine.ParameterException usage(String message) {
    return new CommandLine.ParameterException(spec.commandLine(), message);
  }

  static String direct(String a, String b) {
    return a.compareTo(b) < 0 ? "d:" + a + ":" + b : "d:" + b + ":" + a;
  }
}
