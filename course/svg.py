"""Sanitising SVG: a safe XML parse, then only listed elements, attributes and CSS are kept.

Everything not on a list goes: scripts, event handlers, animation (``<set>``, ``<animate>``
can rewrite an ``href`` after the fact), ``<image>`` and ``<foreignObject>``, other
namespaces and ``xml:base``. A reference must point inside the file (``#id``), and so must
every CSS ``url()``. CSS, in ``<style>``, in ``style=""`` and in presentation attributes, is
read by a real tokenizer (tinycss2), which decodes escapes, so ``u\\72l(…)`` is seen as the
``url(…)`` it is; only listed properties and functions survive, and of the at-rules only
``@media`` (the diagrams' dark mode).

The parse counts as it goes and stops a file nested deeper than ``MAX_DEPTH`` or holding
more than ``MAX_ELEMENTS`` elements: the cleaning here and ElementTree's serialiser recurse
once per level, and 50,000 nested ``<g>`` would exhaust Python's stack.
"""

import io
import re
import xml.etree.ElementTree as ET

import tinycss2
from defusedxml import DefusedXmlException
from defusedxml.ElementTree import iterparse
from django.utils.translation import gettext as _

SVG_NS = "http://www.w3.org/2000/svg"
XLINK_NS = "http://www.w3.org/1999/xlink"
XML_NS = "http://www.w3.org/XML/1998/namespace"
ET.register_namespace("", SVG_NS)
ET.register_namespace("xlink", XLINK_NS)

ELEMENTS = {
    *"svg g defs symbol use title desc style a switch".split(),
    *"path rect circle ellipse line polyline polygon text tspan textPath".split(),
    *"marker linearGradient radialGradient stop pattern clipPath mask filter".split(),
    *"feBlend feColorMatrix feComponentTransfer feFuncA feFuncR feFuncG feFuncB feComposite".split(),
    *"feDropShadow feFlood feGaussianBlur feMerge feMergeNode feMorphology feOffset".split(),
}

# Presentation attributes double as CSS properties.
PRESENTATION = {
    *"fill fill-opacity fill-rule stroke stroke-width stroke-opacity stroke-dasharray".split(),
    *"stroke-dashoffset stroke-linecap stroke-linejoin stroke-miterlimit opacity color display".split(),
    *"visibility font-family font-size font-weight font-style font-variant font-stretch".split(),
    *"text-anchor dominant-baseline alignment-baseline baseline-shift letter-spacing word-spacing".split(),
    *"text-decoration writing-mode direction unicode-bidi clip-path clip-rule mask filter".split(),
    *"marker-start marker-mid marker-end stop-color stop-opacity flood-color flood-opacity".split(),
    *"lighting-color color-interpolation color-interpolation-filters shape-rendering".split(),
    *"text-rendering image-rendering vector-effect paint-order overflow transform transform-origin".split(),
}
CSS_PROPERTIES = PRESENTATION | {"font", "white-space", "marker", "mix-blend-mode", "isolation"}
ATTRIBUTES = PRESENTATION | {
    *"id class style lang role tabindex focusable version x y x1 y1 x2 y2 cx cy r rx ry fx fy fr".split(),
    *"width height d points pathLength viewBox preserveAspectRatio dx dy rotate textLength".split(),
    *"lengthAdjust startOffset method spacing side markerWidth markerHeight markerUnits refX refY".split(),
    *"orient gradientUnits gradientTransform spreadMethod offset patternUnits patternContentUnits".split(),
    *"patternTransform clipPathUnits maskUnits maskContentUnits filterUnits primitiveUnits in in2".split(),
    *"result stdDeviation mode operator k1 k2 k3 k4 type values tableValues slope intercept".split(),
    *"amplitude exponent radius href aria-label aria-labelledby aria-describedby aria-hidden".split(),
}
# Attributes that are text, not CSS: not tokenized as CSS (a label may say "url(" in words).
TEXT_ATTRIBUTES = {"id", "class", "lang", "role", "aria-label", "aria-labelledby", "aria-describedby"}
NAMESPACED = {f"{{{XML_NS}}}space", f"{{{XML_NS}}}lang", f"{{{XLINK_NS}}}href"}
CSS_FUNCTIONS = {
    *"var rgb rgba hsl hsla calc min max clamp url".split(),
    *"translate translatex translatey rotate scale scalex scaley skewx skewy matrix".split(),
}
FRAGMENT = re.compile(r"#[A-Za-z_][\w.:-]*")
# Far beyond real diagrams (the shipped ones nest 4 deep and hold at most 150 elements).
MAX_DEPTH = 50
MAX_ELEMENTS = 20_000


class UnsafeSvg(ValueError):
    pass


def sanitize(data):
    """The cleaned SVG root element; UnsafeSvg (with a message) when it cannot be read safely."""
    try:
        root = _parse(data)
    except DefusedXmlException as error:
        raise UnsafeSvg(_("DOCTYPE이나 ENTITY 선언이 있는 SVG는 올릴 수 없습니다.")) from error
    except ET.ParseError as error:
        raise UnsafeSvg(_("SVG 파일을 읽을 수 없습니다: %(error)s") % {"error": error}) from error
    if root.tag != f"{{{SVG_NS}}}svg":
        raise UnsafeSvg(_("SVG 파일의 최상위 요소가 <svg>가 아닙니다."))
    _clean(root)
    return root


def _parse(data):
    """The root element; UnsafeSvg as soon as the nesting or the number of elements passes its limit."""
    depth = count = 0
    root = None
    events = iterparse(
        io.BytesIO(data), events=("start", "end"), forbid_dtd=True, forbid_entities=True, forbid_external=True
    )
    for event, element in events:
        if event == "end":
            depth -= 1
            continue
        depth += 1
        count += 1
        if root is None:
            root = element
        if depth > MAX_DEPTH:
            raise UnsafeSvg(
                _("SVG 파일의 요소가 너무 깊이 겹쳐 있습니다. %(limit)d단계 이하로 올려 주세요.") % {"limit": MAX_DEPTH}
            )
        if count > MAX_ELEMENTS:
            raise UnsafeSvg(
                _("SVG 파일의 요소가 너무 많습니다. %(limit)d개 이하로 올려 주세요.") % {"limit": MAX_ELEMENTS}
            )
    return root


def _local(tag):
    prefix = f"{{{SVG_NS}}}"
    return tag[len(prefix) :] if isinstance(tag, str) and tag.startswith(prefix) else None


def _clean(element):
    for name, value in list(element.attrib.items()):
        if name == "style" and (style := declarations(value)):
            element.set(name, style)
        elif name == "style" or not _attribute_allowed(name, value):
            del element.attrib[name]
    if _local(element.tag) == "style":
        element.text = _stylesheet(element.text or "")
        element[:] = []
        return
    previous = None
    for child in list(element):
        if _local(child.tag) in ELEMENTS:
            _clean(child)
            previous = child
            continue
        if child.tail:  # the text after a removed element stays (<text>a<set/>b</text> keeps "b")
            if previous is None:
                element.text = (element.text or "") + child.tail
            else:
                previous.tail = (previous.tail or "") + child.tail
        element.remove(child)


def _attribute_allowed(name, value):
    if name in NAMESPACED:
        name = name.rsplit("}", 1)[1]  # xml:space, xml:lang, xlink:href
    elif name not in ATTRIBUTES:
        return False
    if name == "href":
        return FRAGMENT.fullmatch(value) is not None
    if name in TEXT_ATTRIBUTES or name == "space":
        return True
    # The value is kept as written, so it must not need decoding: no CSS escapes at all.
    tokens = tinycss2.parse_component_value_list(value)
    return "\\" not in value and _safe_value(tokens, strings=name in QUOTED)


QUOTED = {"font-family", "font"}  # the only properties here whose values may hold quoted strings


def _safe_value(tokens, strings=False):
    for token in tokens:
        if token.type in ("error", "at-keyword") or (token.type == "string" and not strings):
            return False
        if token.type == "url" and not FRAGMENT.fullmatch(token.value):
            return False
        if token.type == "function":
            if token.lower_name not in CSS_FUNCTIONS:
                return False
            if token.lower_name == "url":
                if not _local_url_arguments(token.arguments):
                    return False
            elif not _safe_value(token.arguments, strings):
                return False
        if token.type in ("() block", "[] block", "{} block") and not _safe_value(token.content, strings):
            return False
    return True


def _local_url_arguments(arguments):
    values = [t for t in arguments if t.type not in ("whitespace", "comment")]
    return len(values) == 1 and values[0].type == "string" and FRAGMENT.fullmatch(values[0].value) is not None


SELECTOR_FUNCTIONS = {"not", "is", "where", "nth-child", "nth-last-child", "nth-of-type", "nth-last-of-type"}
SELECTOR_TOKENS = {"whitespace", "ident", "hash", "literal", "string", "number", "percentage", "dimension"}


def _safe_prelude(tokens):
    """A selector or media query: names, punctuation and blocks; no at-keywords, no urls."""
    for token in tokens:
        if token.type in ("[] block", "() block"):
            if not _safe_prelude(token.content):
                return False
        elif token.type == "function":
            if token.lower_name not in SELECTOR_FUNCTIONS or not _safe_prelude(token.arguments):
                return False
        elif token.type not in SELECTOR_TOKENS:
            return False
    return True


def declarations(css):
    """The safe declarations of a declaration list, as CSS text."""
    kept = []
    for item in tinycss2.parse_blocks_contents(css, skip_comments=True, skip_whitespace=True):
        if item.type != "declaration":
            continue
        allowed = item.lower_name in CSS_PROPERTIES or item.name.startswith("--")
        if not allowed or not _safe_value(item.value, strings=item.lower_name in QUOTED):
            continue
        value = tinycss2.serialize(item.value).strip()
        kept.append(f"{item.name}: {value}{' !important' if item.important else ''}")
    return "; ".join(kept)


def _rules(rules, depth=0):
    kept = []
    for rule in rules:
        if rule.type == "qualified-rule" and _safe_prelude(rule.prelude):
            if body := declarations(rule.content):
                kept.append(f"{tinycss2.serialize(rule.prelude).strip()} {{ {body} }}")
        elif rule.type == "at-rule" and rule.lower_at_keyword == "media" and depth == 0 and rule.content:
            if _safe_prelude(rule.prelude):
                inner = _rules(tinycss2.parse_rule_list(rule.content, skip_comments=True, skip_whitespace=True), 1)
                kept.append(f"@media {tinycss2.serialize(rule.prelude).strip()} {{\n{inner}\n}}")
    return "\n".join(kept)


def _stylesheet(css):
    return "\n" + _rules(tinycss2.parse_stylesheet(css, skip_comments=True, skip_whitespace=True)) + "\n"
