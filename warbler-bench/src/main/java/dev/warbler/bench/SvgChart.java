package dev.warbler.bench;

import java.util.List;
import java.util.Locale;
import java.util.Map;

/** A small line chart as standalone SVG: linear x, logarithmic y, one polyline per series. */
final class SvgChart {
  private static final String[] COLORS = {"#1f77b4", "#d62728", "#2ca02c", "#9467bd"};
  private static final int W = 720;
  private static final int H = 440;
  private static final int LEFT = 70;
  private static final int RIGHT = 20;
  private static final int TOP = 40;
  private static final int BOTTOM = 50;

  private SvgChart() {}

  /** A point: x, y (y > 0 for the log scale). */
  record Point(double x, double y) {}

  static String render(
      String title, String xLabel, String yLabel, Map<String, List<Point>> series) {
    double maxX = 1;
    double minY = Double.MAX_VALUE;
    double maxY = 0;
    for (List<Point> points : series.values()) {
      for (Point p : points) {
        maxX = Math.max(maxX, p.x());
        minY = Math.min(minY, Math.max(p.y(), 0.01));
        maxY = Math.max(maxY, p.y());
      }
    }
    double lo = Math.floor(Math.log10(minY == Double.MAX_VALUE ? 0.1 : minY));
    double hi = Math.ceil(Math.log10(Math.max(maxY, Math.pow(10, lo + 1))));
    if (hi <= lo) {
      hi = lo + 1;
    }
    double xMax = maxX * 1.05;
    StringBuilder svg = new StringBuilder();
    svg.append(
        f(
            "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\""
                + " font-family=\"sans-serif\" font-size=\"12\">%n",
            W, H));
    svg.append(f("<rect width=\"%d\" height=\"%d\" fill=\"white\"/>%n", W, H));
    svg.append(f("<text x=\"%d\" y=\"22\" font-size=\"15\">%s</text>%n", LEFT, escape(title)));
    int plotW = W - LEFT - RIGHT;
    int plotH = H - TOP - BOTTOM;
    for (int d = (int) lo; d <= (int) hi; d++) {
      double y = TOP + plotH - (d - lo) / (hi - lo) * plotH;
      svg.append(
          f(
              "<line x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\" stroke=\"#ddd\"/>"
                  + "<text x=\"%d\" y=\"%.1f\" text-anchor=\"end\">%s</text>%n",
              LEFT, y, W - RIGHT, y, LEFT - 6, y + 4, trim(Math.pow(10, d))));
    }
    for (int i = 0; i <= 5; i++) {
      double v = xMax * i / 5;
      double x = LEFT + plotW * i / 5.0;
      svg.append(
          f(
              "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\" stroke=\"#eee\"/>"
                  + "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\">%s</text>%n",
              x, TOP, x, TOP + plotH, x, TOP + plotH + 18, trim(Math.round(v))));
    }
    svg.append(
        f(
            "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"none\" stroke=\"#333\"/>%n",
            LEFT, TOP, plotW, plotH));
    svg.append(
        f(
            "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\">%s</text>%n",
            LEFT + plotW / 2, H - 10, escape(xLabel)));
    svg.append(
        f(
            "<text x=\"16\" y=\"%d\" transform=\"rotate(-90 16 %d)\" text-anchor=\"middle\">%s</text>%n",
            TOP + plotH / 2, TOP + plotH / 2, escape(yLabel)));
    int s = 0;
    for (Map.Entry<String, List<Point>> e : series.entrySet()) {
      String color = COLORS[s % COLORS.length];
      StringBuilder pts = new StringBuilder();
      for (Point p : e.getValue()) {
        double x = LEFT + p.x() / xMax * plotW;
        double y = TOP + plotH - (Math.log10(Math.max(p.y(), 0.01)) - lo) / (hi - lo) * plotH;
        pts.append(f("%.1f,%.1f ", x, y));
        svg.append(f("<circle cx=\"%.1f\" cy=\"%.1f\" r=\"3\" fill=\"%s\"/>%n", x, y, color));
      }
      svg.append(
          f(
              "<polyline points=\"%s\" fill=\"none\" stroke=\"%s\" stroke-width=\"2\"/>%n",
              pts.toString().trim(), color));
      svg.append(
          f(
              "<text x=\"%d\" y=\"%d\" fill=\"%s\">%s</text>%n",
              LEFT + 10, TOP + 16 + 16 * s, color, escape(e.getKey())));
      s++;
    }
    svg.append("</svg>\n");
    return svg.toString();
  }

  private static String trim(double v) {
    return v >= 1 ? String.format(Locale.ROOT, "%,.0f", v) : String.format(Locale.ROOT, "%.2f", v);
  }

  private static String f(String format, Object... args) {
    return String.format(Locale.ROOT, format, args);
  }

  static String escape(String s) {
    return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;");
  }
}
