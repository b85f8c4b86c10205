//! Chat-template injection: real templates stay clean, payloads and their
//! obfuscated forms are found.

use modelvet_core::formats::chat_template::analyse;
use modelvet_core::Severity;

fn fixture(name: &str) -> String {
    let path = format!(
        "{}/../../tests/fixtures/tensors/templates/{name}",
        env!("CARGO_MANIFEST_DIR")
    );
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

#[test]
fn real_chat_templates_are_clean() {
    // Copied from each model's tokenizer_config.json (see the fixtures README).
    for name in [
        "llama-3-8b-instruct.jinja",
        "mistral-7b-instruct-v0.1.jinja",
        "gemma-7b-it.jinja",
        "chatml.jinja",
        "qwen2.5-instruct-tools.jinja",
    ] {
        let text = fixture(name);
        assert!(text.len() > 100, "{name} is empty");
        assert_eq!(analyse(&text, 10), vec![], "{name}");
    }
}

#[test]
fn namespace_and_raise_exception_in_benign_use() {
    let t = "{%- set ns = namespace(found=false) -%}{%- for m in messages -%}{%- if m.role == 'system' -%}{%- set ns.found = true -%}{%- endif -%}{%- endfor -%}{{ raise_exception('x') if not ns.found }}";
    assert_eq!(analyse(t, 10), vec![]);
}

fn hit(t: &str) -> String {
    let issues = analyse(t, 10);
    assert!(!issues.is_empty(), "not flagged: {t}");
    issues[0].what.clone()
}

#[test]
fn plain_payloads() {
    let payloads = [
        "{{ ''.__class__.__mro__[1].__subclasses__() }}",
        "{{ self.__init__.__globals__.__builtins__ }}",
        "{{ cycler.__init__.__globals__.os.popen('id').read() }}",
        "{{ lipsum.__globals__['os'].popen('id').read() }}",
        "{% for x in ().__class__.__base__.__subclasses__() %}{% endfor %}",
        "{{ joiner.__init__.__globals__ }}",
        "{{ namespace.__init__.__globals__.os.system('id') }}",
        "{{ config.items() }}",
        "{{ request.application }}",
        "{{ self._TemplateReference__context }}",
    ];
    for p in payloads {
        hit(p);
    }
}

#[test]
fn obfuscated_payloads() {
    let payloads = [
        "{{ ''|attr('__cla'+'ss__') }}",
        "{{ ''|attr('__cla' ~ 'ss__') }}",
        r#"{{ x["__glo" ~ "bals__"] }}"#,
        r"{{ ''|attr('\x5f\x5fclass\x5f\x5f') }}",
        r"{{ ''|attr('\u005f\u005fclass\u005f\u005f') }}",
        "{{ ''|attr(['__cla','ss__']|join) }}",
        "{{ ''|attr('%sclass%s'|format('__','__')) }}",
        "{{ ''|attr('%sclass%s' % ('__', '__')) }}",
        "{{ ''|attr('{}class{}'.format('__','__')) }}",
        "{{ ''|attr('_'*2 ~ 'class' ~ '_'*2) }}",
        "{% set a = '__cla' %}{{ ''|attr(a ~ 'ss__') }}",
        "{{ ''|attr(('__cl' ~ 'ass__')) }}",
        "{{ '}}' ~ ''.__class__ }}",
        "{{ ''|attr(dict(__cla=1, ss__=2)|join) }}",
    ];
    for p in payloads {
        let what = hit(p);
        assert!(what.contains("__"), "{p}: {what}");
    }
}

#[test]
fn character_extraction_gadgets() {
    hit("{% set u = (()|select|string|list)[24] %}");
    hit("{{ (()|select|string)[24] }}");
    // `|string` alone is ordinary.
    assert_eq!(analyse("{{ message['content']|string }}", 10), vec![]);
}

#[test]
fn severity_and_comments() {
    let issues = analyse("{{ ''.__class__ }}", 10);
    assert_eq!(issues[0].severity, Severity::Critical);
    // Comments and literal text are not rendered code.
    assert_eq!(analyse("{# ''.__class__ #}hello __class__", 10), vec![]);
}

/// Jinja decodes string literals with Python's `unicode-escape` codec, which
/// resolves `\N{name}` case-insensitively: CPython 3.12.1 decodes
/// `\N{low line}x\N{LATIN SMALL LETTER A}` to `_xa` and rejects an unknown
/// name (`unknown Unicode character name`).
#[test]
fn named_escapes_are_resolved_or_fail_closed() {
    let spelled = "{{ ''['\\N{LOW LINE}\\N{low line}class\\N{LOW LINE}\\N{Low Line}'] }}";
    assert!(hit(spelled).contains("__class__"), "{spelled}");
    let letters = "{{ x['\\N{LATIN SMALL LETTER P}open'] }}";
    assert!(hit(letters).contains("popen"), "{letters}");
    // A name modelvet does not resolve: what the string spells is unknown.
    let unknown = "{{ x['\\N{FULLWIDTH LOW LINE}\\N{LOW LINE}class__'] }}";
    let issues = analyse(unknown, 10);
    assert_eq!(issues.len(), 1, "{unknown}");
    assert_eq!(issues[0].severity, Severity::High);
    assert!(issues[0].what.contains("\\N{"), "{}", issues[0].what);
    // Named escapes of ordinary text are no finding.
    assert_eq!(analyse("{{ '\\N{LATIN SMALL LETTER A}b' }}", 10), vec![]);
}
