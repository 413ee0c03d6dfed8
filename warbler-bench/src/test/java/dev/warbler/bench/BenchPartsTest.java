package dev.warbler.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.HdrHistogram.Histogram;
import org.junit.jupiter.api.Test;

class BenchPartsTest {

  @Test
  void theOpenScheduleSpacesSendsEvenlyFromTheStartWhateverHappened() {
    OpenSchedule s = new OpenSchedule(1_000, 4);

    assertThat(s.intendedNanos(0)).isEqualTo(1_000);
    assertThat(s.intendedNanos(1)).isEqualTo(1_000 + 250_000_000L);
    assertThat(s.intendedNanos(8)).isEqualTo(1_000 + 2_000_000_000L);
    assertThat(s.countWithin(1_000_000_000L)).isEqualTo(4);
  }

  @Test
  void theSweepWritesItsOtherChartsNextToTheDirectChart() {
    java.nio.file.Path out = java.nio.file.Path.of("docs", "bench-sweep.svg");

    assertThat(BenchCommand.Sweep.sibling(out, "groups"))
        .isEqualTo(java.nio.file.Path.of("docs", "bench-sweep-groups.svg"));
    assertThat(BenchCommand.Sweep.sibling(java.nio.file.Path.of("sweep"), "connections"))
        .isEqualTo(java.nio.file.Path.of("sweep-connections.svg"));
  }

  @Test
  void aWarmUpPhaseRunsAtItsOwnRateThenTheMeasuredRateFollowsWithoutAGap() {
    OpenSchedule s = new OpenSchedule(1_000, 2, 2, 10);

    assertThat(s.warmupSends()).isEqualTo(4);
    assertThat(s.intendedNanos(3)).isEqualTo(1_000 + 1_500_000_000L);
    assertThat(s.intendedNanos(4)).isEqualTo(1_000 + 2_000_000_000L);
    assertThat(s.intendedNanos(5)).isEqualTo(1_000 + 2_100_000_000L);
    assertThat(s.totalSends(3)).isEqualTo(4 + 30);
  }

  @Test
  void theSystemsCpuIsTheMachinesBusyTimeLessTheLoadGeneratorsOwn() {
    // user nice system idle iowait irq softirq steal guest guest_nice, in ticks of 10 ms
    assertThat(CpuMeter.busySeconds("cpu  1000 10 300 9000 500 5 20 0 0 0")).isEqualTo(13.35);
    assertThatThrownBy(() -> CpuMeter.busySeconds("cpu0 1 2 3 4 5 6 7 8"))
        .isInstanceOf(IllegalArgumentException.class);

    Result r = new Result("direct");
    CpuMeter.report(r, new CpuMeter.Reading(10, 1), new CpuMeter.Reading(16, 2.5), 10_000);
    assertThat(r.get("system_cpu_s")).isEqualTo(4.5);
    assertThat(r.get("cpu_us_per_msg")).isEqualTo(450.0);

    Result none = new Result("direct");
    CpuMeter.report(none, CpuMeter.UNAVAILABLE, new CpuMeter.Reading(16, 2.5), 10_000);
    assertThat(none.fields()).doesNotContainKey("system_cpu_s");
  }

  @Test
  void anOpenScheduleNeedsAPositiveRate() {
    assertThatThrownBy(() -> new OpenSchedule(0, 0)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new OpenSchedule(0, 0, 5, 10))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void anAckedMessageThatNeverArrivesIsLostAndASecondDeliveryIsADuplicate() {
    Tally t = new Tally();
    t.recordSent();
    t.recordSent();
    t.recordSent();
    t.acked("bob", "d:a:b", 1);
    t.acked("bob", "d:a:b", 2);
    assertThat(t.delivered("bob", "d:a:b", 1)).isTrue();
    assertThat(t.delivered("bob", "d:a:b", 1)).isFalse();

    assertThat(t.sent()).isEqualTo(3);
    assertThat(t.acked()).isEqualTo(2);
    assertThat(t.delivered()).isEqualTo(1);
    assertThat(t.lost()).isEqualTo(1);
    assertThat(t.duplicates()).isEqualTo(1);
  }

  @Test
  void aDeliveryBeforeItsAckIsNotLost() {
    Tally t = new Tally();
    t.delivered("bob", "d:a:b", 7);
    t.acked("bob", "d:a:b", 7);

    assertThat(t.lost()).isZero();
    assertThat(t.duplicates()).isZero();
  }

  @Test
  void theSameSeqToAnotherReceiverIsNotADuplicate() {
    Tally t = new Tally();
    t.delivered("bob", "g:x", 1);
    t.delivered("carol", "g:x", 1);

    assertThat(t.duplicates()).isZero();
    assertThat(t.delivered()).isEqualTo(2);
  }

  @Test
  void theReadyLineGivesBothPorts() {
    assertThat(ReadyLine.parse("warbler ready http=41234 ws=40111 data=/tmp/x"))
        .contains(new ReadyLine(41234, 40111));
    assertThat(ReadyLine.parse("  REST API    http://127.0.0.1:41234")).isEmpty();
  }

  @Test
  void theJsonResultHasTheFieldsEveryScenarioPromises() throws Exception {
    Tally t = new Tally();
    t.recordSent();
    t.acked("bob", "d:a:b", 1);
    t.delivered("bob", "d:a:b", 1);
    Histogram h = new Histogram(3);
    h.recordValue(1_500);

    JsonNode json =
        new ObjectMapper().readTree(new Result("direct").delivery(t, 2, h).put("rate", 1).json());

    assertThat(json.get("scenario").asText()).isEqualTo("direct");
    assertThat(json.get("sent").asLong()).isEqualTo(1);
    assertThat(json.get("delivered").asLong()).isEqualTo(1);
    assertThat(json.get("lost").asLong()).isZero();
    assertThat(json.get("duplicates").asLong()).isZero();
    assertThat(json.get("throughput_per_s").asDouble()).isEqualTo(0.5);
    assertThat(json.get("p50_ms").asDouble()).isEqualTo(1.5);
    assertThat(json.has("p99_ms") && json.has("p999_ms") && json.has("max_ms")).isTrue();
  }

  @Test
  void heapUsedSumsTheHeapPoolsOfThePrometheusText() {
    String text =
        """
        # HELP jvm_memory_used_bytes The amount of used memory
        jvm_memory_used_bytes{area="heap",id="G1 Eden Space"} 1000.0
        jvm_memory_used_bytes{area="heap",id="G1 Old Gen"} 2.5E3
        jvm_memory_used_bytes{area="nonheap",id="Metaspace"} 9999.0
        """;

    assertThat(Admin.heapUsed(text)).isEqualTo(3500);
    assertThat(Admin.heapUsed("nothing")).isEqualTo(-1);
  }

  @Test
  void manyConnectionsSpreadOverLoopbackSourceAddresses() {
    assertThat(LoadClient.sourceAddress(0)).isEqualTo("127.0.0.1");
    assertThat(LoadClient.sourceAddress(LoadClient.PER_SOURCE)).isEqualTo("127.0.0.2");
    assertThat(LoadClient.sourceAddress(249, LoadClient.PER_SOURCE)).isEqualTo("127.0.1.1");
  }

  @Test
  void theDirectScenarioNeedsPairs() {
    assertThatThrownBy(() -> new DirectLoad.Options(3, 10, 1, 0, 10))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void theGroupScenarioNeedsAtLeastOneSenderAmongTheMembers() {
    assertThatThrownBy(() -> new GroupLoad.Options(1, 10, 11, 10, 1, 0, 10))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new GroupLoad.Options(1, 10, 0, 10, 1, 0, 10))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void memoryPerConnectionAddsNativeAndHeapGrowth() {
    assertThat(ConnectionsLoad.perConnection(1_000, 3_000, 500, 1_500, 10)).isEqualTo(300);
    assertThat(ConnectionsLoad.perConnection(-1, -1, 500, 1_500, 10)).isEqualTo(100);
    assertThat(ConnectionsLoad.perConnection(1_000, 3_000, 500, 1_500, 0)).isEqualTo(-1);
  }

  @Test
  void theSweepChartDrawsOneLinePerSeriesWithEscapedLabels() {
    String svg =
        SvgChart.render(
            "a <chart>",
            "x",
            "y",
            java.util.Map.of(
                "s1",
                java.util.List.of(new SvgChart.Point(100, 1.5), new SvgChart.Point(200, 40))));

    assertThat(svg).startsWith("<svg").contains("<polyline").contains("a &lt;chart&gt;");
    assertThat(svg.split("<circle", -1)).hasSize(3);
  }
}
