"""Render the demo's micro-course video, ganxun/demo/assets/yiwangtongban_microcourse.webm.

A 3-minute 微课 "一网通办实践" (数字政府建设专题) of six slides, 30 s each: a Chinese title and
talking points drawn with drawtext, a running clock and a progress bar so playback and seeking
can be seen. VP9 in WebM, 640×360, 2 fps, no audio — about 100 KB (the target is ≤ 400 KB).

Only this script needs ffmpeg (Debian: `apt-get install -y ffmpeg fonts-noto-cjk`); the demo
generator reads the committed file. The font is the Simplified-Chinese face of
/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc, chosen by fontconfig name
(`font=Noto Sans CJK SC`, which fontconfig resolves to that file and face): a bare `fontfile=`
would load the file's first face, the Japanese one, whose forms of some characters differ.

    python scripts/demo_video.py [OUTPUT]      # prints the exact ffmpeg command it runs

The text goes to drawtext through textfile= (no filter-graph escaping of Chinese punctuation);
the filter graph itself is passed with -filter_complex_script. With `-fflags +bitexact` (no
random track and segment ids) re-running gives the same bytes with the same ffmpeg and libvpx
(Debian 12: ffmpeg 5.1); other versions may encode differently.
"""

from __future__ import annotations

import shlex
import subprocess
import sys
import tempfile
from pathlib import Path

OUTPUT = Path(__file__).resolve().parent.parent / "ganxun" / "demo" / "assets" / "yiwangtongban_microcourse.webm"
SECONDS_PER_SLIDE = 30
FPS = 2
WIDTH, HEIGHT = 640, 360
FONT = "Noto Sans CJK SC"  # fontconfig family: the SC face (index 2) of NotoSansCJK-Regular.ttc
RED, INK, PAPER, GREY = "0xB22222", "0x222222", "0xF6F3EC", "0x6B6B6B"

COVER = ("一网通办实践", "数字政府建设专题 · 微课（3 分钟）", "中共临江市委党校")
SLIDES = (
    ("一、什么是“一网通办”", (
        "政务服务事项一个平台、一次认证、一网办理",
        "线上线下同一标准、同一流程、同一结果",
        "目标：让数据多跑路，群众少跑腿",
    )),
    ("二、办好“一件事”的三个环节", (
        "事项标准化：同一事项同一编码、同一办事指南",
        "数据共享：能调取的材料不再让群众提交",
        "流程再造：关联事项一表申请、一次办成",
    )),
    ("三、基层干部怎么做", (
        "梳理本单位高频事项，逐项查找堵点",
        "推行告知承诺、容缺受理，减材料、减环节",
        "用好“好差评”：差评必回访，问题必整改",
    )),
    ("四、避免三个误区", (
        "只把材料“搬上网”，办事环节一个没少",
        "线上线下“两张皮”，标准口径不一致",
        "忽视老年人等群体，取消必要的线下帮办",
    )),
    ("小结与思考", (
        "一网通办贵在“通”：标准通、数据通、业务通",
        "思考：本单位哪一件事可以做到“一次办成”？",
        "欢迎在课程讨论区分享您的做法",
    )),
)
DURATION = SECONDS_PER_SLIDE * (1 + len(SLIDES))
CLOCK = "%{eif:trunc(t/60):d:2}:%{eif:mod(trunc(t)\\,60):d:2} / " + f"{DURATION // 60:02d}:{DURATION % 60:02d}"


def _text(folder: Path, name: str, text: str) -> str:
    path = folder / f"{name}.txt"
    path.write_text(text, encoding="utf-8")
    return str(path)


def _draw(textfile: str, *, font: str, size: int, color: str, x: str, y: int, start: float | None = None,
          end: float | None = None, expand: bool = False) -> str:
    options = [f"font='{font}'", f"textfile='{textfile}'", f"fontsize={size}", f"fontcolor={color}", f"x={x}",
               f"y={y}", f"expansion={'normal' if expand else 'none'}"]
    if start is not None:
        options.append(f"enable='between(t,{start},{end})'")
    return "drawtext=" + ":".join(options)


def filter_graph(folder: Path) -> str:
    """The filter graph: paper background, the cover, five content slides, clock and progress bar."""
    steps = []
    cover_end = SECONDS_PER_SLIDE - 0.01
    steps.append(f"drawbox=x=0:y=0:w={WIDTH}:h={HEIGHT}:color={RED}@1:t=fill:enable='between(t,0,{cover_end})'")
    steps.append(f"drawbox=x=60:y=196:w={WIDTH - 120}:h=2:color=0xF2D16B@1:t=fill:enable='between(t,0,{cover_end})'")
    title, subtitle, school = COVER
    steps.append(_draw(_text(folder, "cover_title", title), font=FONT, size=46, color="white", x="(w-text_w)/2",
                       y=122, start=0, end=cover_end))
    steps.append(_draw(_text(folder, "cover_subtitle", subtitle), font=FONT, size=22, color="0xFBEFD0",
                       x="(w-text_w)/2", y=214, start=0, end=cover_end))
    steps.append(_draw(_text(folder, "cover_school", school), font=FONT, size=18, color="0xFBEFD0",
                       x="(w-text_w)/2", y=262, start=0, end=cover_end))
    for number, (heading, points) in enumerate(SLIDES, start=1):
        start, end = number * SECONDS_PER_SLIDE, (number + 1) * SECONDS_PER_SLIDE - 0.01
        steps.append(f"drawbox=x=0:y=0:w={WIDTH}:h=60:color={RED}@1:t=fill:enable='between(t,{start},{end})'")
        steps.append(_draw(_text(folder, f"s{number}_title", heading), font=FONT, size=28, color="white", x="32",
                           y=13, start=start, end=end))
        for row, point in enumerate(points):
            y = 100 + row * 62
            steps.append(f"drawbox=x=36:y={y + 9}:w=8:h=8:color={RED}@1:t=fill:enable='between(t,{start},{end})'")
            steps.append(_draw(_text(folder, f"s{number}_p{row}", point), font=FONT, size=23, color=INK,
                               x="58", y=y, start=start, end=end))
        steps.append(_draw(_text(folder, f"s{number}_page", f"{number + 1} / {len(SLIDES) + 1}"), font=FONT,
                           size=14, color=GREY, x="w-text_w-32", y=HEIGHT - 32, start=start, end=end))
    steps.append(_draw(_text(folder, "footer", "数字政府建设专题 · 一网通办实践"), font=FONT, size=14,
                       color=GREY, x="32", y=HEIGHT - 32, start=SECONDS_PER_SLIDE, end=DURATION))
    clock = _text(folder, "clock", CLOCK)
    steps.append(_draw(clock, font=FONT, size=14, color="0xF3C9C9", x="(w-text_w)/2", y=HEIGHT - 32, expand=True,
                       start=0, end=cover_end))
    steps.append(_draw(clock, font=FONT, size=14, color=GREY, x="(w-text_w)/2", y=HEIGHT - 32, expand=True,
                       start=SECONDS_PER_SLIDE, end=DURATION))
    return (f"color=c={PAPER}:s={WIDTH}x{HEIGHT}:r={FPS}:d={DURATION},{','.join(steps)}[slides];"
            f"color=c={RED}:s={WIDTH}x4:r={FPS}:d={DURATION}[bar];"
            f"[slides][bar]overlay=x='-w+w*t/{DURATION}':y=H-4:eval=frame:shortest=1,format=yuv420p[out]")


def command(graph_file: Path, output: Path) -> list[str]:
    return ["ffmpeg", "-hide_banner", "-loglevel", "error", "-y", "-filter_complex_script", str(graph_file),
            "-map", "[out]", "-an", "-c:v", "libvpx-vp9", "-b:v", "0", "-crf", "42", "-deadline", "good",
            "-cpu-used", "2", "-row-mt", "1", "-g", str(FPS * 10), "-r", str(FPS), "-t", str(DURATION),
            "-fflags", "+bitexact", str(output)]


def main(argv: list[str]) -> int:
    output = Path(argv[1]) if len(argv) > 1 else OUTPUT
    output.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as folder:
        graph_file = Path(folder) / "graph.txt"
        graph_file.write_text(filter_graph(Path(folder)), encoding="utf-8")
        args = command(graph_file, output)
        print(shlex.join(args))
        print(f"# filter graph ({graph_file.name}):\n{graph_file.read_text(encoding='utf-8')}")
        subprocess.run(args, check=True)
    print(f"{output}: {output.stat().st_size:,} bytes, {DURATION} s")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
