"""The papers' models, each with the lmms-eval model name and arguments that load it.

The paper tables (paper.py) name their rows' models by key; the reproduction scripts run them, and
`compare` finds the paper rows of a run by the lmms-eval model name and the argument that names the
checkpoint or API model.
"""

from __future__ import annotations

from pydantic import BaseModel

from .paper import PaperTable

# model_args keys that name what is loaded, by precedence (HF loaders, vLLM, API models).
IDENTITY_ARGS = ("pretrained", "model", "model_version")
GEMINI_OPENAI_URL = "https://generativelanguage.googleapis.com/v1beta/openai/"
ANTHROPIC_OPENAI_URL = "https://api.anthropic.com/v1/"


class PaperModel(BaseModel):
    key: str  # our name for the run (its output folder)
    model: str | None  # lmms-eval --model; None when nothing can load it any more
    model_args: str = ""
    # Environment of the lmms-eval run, from the caller's: OPENAI_API_KEY <- GEMINI_API_KEY etc.
    # Keys travel this way, never in model_args, which lmms-eval writes into its results file.
    env_from: dict[str, str] = {}
    note: str = ""

    @property
    def identity(self) -> str | None:
        return identity_of(self.model_args)

    @property
    def runnable(self) -> bool:
        return self.model is not None


def parse_model_args(model_args: str | dict | None) -> dict[str, str]:
    if isinstance(model_args, dict):
        return {key: str(value) for key, value in model_args.items()}
    pairs = (item.split("=", 1) for item in (model_args or "").split(",") if "=" in item)
    return {key.strip(): value.strip() for key, value in pairs}


def identity_of(model_args: str | dict | None) -> str | None:
    args = parse_model_args(model_args)
    return next((args[key] for key in IDENTITY_ARGS if args.get(key)), None)


def _hf(key: str, model: str, repo: str, extra: str = "", note: str = "") -> PaperModel:
    args = f"pretrained={repo}" + (f",{extra}" if extra else "")
    return PaperModel(key=key, model=model, model_args=args, note=note)


def _api(key: str, model_version: str, base_url: str = "", key_env: str = "", note: str = ""):
    args = f"model_version={model_version}" + (f",base_url={base_url}" if base_url else "")
    env_from = {"OPENAI_API_KEY": key_env} if key_env else {}
    return PaperModel(key=key, model="openai", model_args=args, env_from=env_from, note=note)


PAPER_MODELS: tuple[PaperModel, ...] = (
    _hf("llava-1.5-7b", "llava_hf", "llava-hf/llava-1.5-7b-hf"),
    _hf("llava-1.5-13b", "llava_hf", "llava-hf/llava-1.5-13b-hf"),
    _hf("llava-1.6-mistral-7b", "llava_hf", "llava-hf/llava-v1.6-mistral-7b-hf"),
    _hf(
        "llava-llama3-8b",
        "llava_hf",
        "xtuner/llava-llama-3-8b-v1_1-transformers",
        note="VLSBench's row does not name the checkpoint; xtuner's LLaVA-Llama-3-8B is the common one",
    ),
    _hf("internvl2.5-8b", "internvl2", "OpenGVLab/InternVL2_5-8B"),
    _hf("qwen2-vl-7b", "qwen2_vl", "Qwen/Qwen2-VL-7B-Instruct"),
    _hf("minicpm-llama3-v2.5", "minicpm_v", "openbmb/MiniCPM-Llama3-V-2_5"),
    _hf("minicpm-v2.6", "minicpm_v", "openbmb/MiniCPM-V-2_6"),
    _hf("minicpm-v2", "minicpm_v", "openbmb/MiniCPM-V-2"),
    _hf(
        "llava-1.6-34b",
        "llava_hf",
        "llava-hf/llava-v1.6-34b-hf",
        extra="device_map=auto",
        note="34B: about 70 GB of weights in 16 bits (device_map=auto shards them over the GPUs)",
    ),
    PaperModel(
        key="glm-4v-9b",
        model="vllm",
        model_args="model=THUDM/glm-4v-9b,trust_remote_code=True",
        note="lmms-eval's glm4v loads GLM-4.xV only; GLM-4v-9B runs through vLLM",
    ),
    _hf(
        "llama-3.2-11b-vision",
        "llama_vision",
        "meta-llama/Llama-3.2-11B-Vision-Instruct",
    ),
    _hf("llava-cot-11b", "llama_vision", "Xkev/Llama-3.2V-11B-cot"),
    _hf(
        "qvq-72b-preview",
        "qwen2_vl",
        "Qwen/QVQ-72B-Preview",
        extra="device_map=auto",
        note="72B: needs several GPUs (device_map=auto shards it)",
    ),
    _api(
        "gpt-4o",
        "gpt-4o-2024-08-06",
        note="the snapshot the alias 'gpt-4o' named from October 2024; needs OPENAI_API_KEY",
    ),
    _api(
        "gpt-4o-2024-05-13",
        "gpt-4o-2024-05-13",
        note="the first GPT-4o snapshot, the only one until August 2024; needs OPENAI_API_KEY",
    ),
    _api(
        "gemini-1.5-pro",
        "gemini-1.5-pro",
        base_url=GEMINI_OPENAI_URL,
        key_env="GEMINI_API_KEY",
        note="Google's OpenAI-compatible endpoint; Gemini 1.5 has been retired there",
    ),
    _api(
        "gemini-1.5-flash",
        "gemini-1.5-flash",
        base_url=GEMINI_OPENAI_URL,
        key_env="GEMINI_API_KEY",
        note="MMSafeAware's 'Gemini 1.5', beside 'Gemini 1.5 Pro', is taken to be Flash; retired",
    ),
    _api(
        "gpt-4v",
        "gpt-4-turbo-2024-04-09",
        note="gpt-4-vision-preview is retired; gpt-4-turbo-2024-04-09 is the same GPT-4V generation",
    ),
    _api(
        "claude-3-opus",
        "claude-3-opus-20240229",
        base_url=ANTHROPIC_OPENAI_URL,
        key_env="ANTHROPIC_API_KEY",
        note="Anthropic's OpenAI-compatible endpoint; MMSafeAware's 'Claude-3' row does not say which "
        "Claude 3 (Opus assumed there), MOSSBench's names Opus",
    ),
    _api(
        "claude-3-sonnet",
        "claude-3-sonnet-20240229",
        base_url=ANTHROPIC_OPENAI_URL,
        key_env="ANTHROPIC_API_KEY",
        note="Anthropic's OpenAI-compatible endpoint; a 2024 snapshot that Anthropic may have retired",
    ),
    _api(
        "claude-3-haiku",
        "claude-3-haiku-20240307",
        base_url=ANTHROPIC_OPENAI_URL,
        key_env="ANTHROPIC_API_KEY",
        note="Anthropic's OpenAI-compatible endpoint; a 2024 snapshot that Anthropic may have retired",
    ),
    _hf("qwen-vl-7b", "qwen_vl", "Qwen/Qwen-VL-Chat"),
    _hf(
        "instructblip-vicuna-7b",
        "instructblip",
        "Salesforce/instructblip-vicuna-7b",
        note="MMSafeAware's 'InstructBLIP' row does not name the variant (Vicuna-7B assumed there)",
    ),
    _hf("instructblip-vicuna-13b", "instructblip", "Salesforce/instructblip-vicuna-13b"),
    _hf("instructblip-flan-t5-xl", "instructblip", "Salesforce/instructblip-flan-t5-xl"),
    _hf("instructblip-flan-t5-xxl", "instructblip", "Salesforce/instructblip-flan-t5-xxl"),
    PaperModel(key="bard", model=None, note="Bard has no API any more (replaced by Gemini)"),
    PaperModel(key="human", model=None, note="a human baseline: nothing to run"),
)


def models_of_table(table: PaperTable) -> list[tuple[str, PaperModel | None]]:
    """(paper row, its model) for every row of a table, in the table's order."""
    return [
        (row, paper_model_by_key(entry.model) if entry.model else None)
        for row, entry in table.results.items()
    ]


def paper_model_for(model: str | None, model_args: str | dict | None) -> PaperModel | None:
    """The paper model an lmms-eval run loaded, by --model and the checkpoint/API model it names."""
    identity = identity_of(model_args)
    return next(
        (m for m in PAPER_MODELS if m.model == model and identity and m.identity == identity),
        None,
    )


def paper_model_by_key(key: str) -> PaperModel:
    for model in PAPER_MODELS:
        if model.key == key:
            return model
    raise KeyError(f"no paper model {key!r}; known: {', '.join(m.key for m in PAPER_MODELS)}")
