"""Tiny, randomly initialised vision-language checkpoints, built offline for end-to-end tests.

`build_tiny_vlm(kind, out_dir)` writes a checkpoint with its processor and chat template that a
real lmms-eval model class loads on the CPU (model_args `pretrained=<dir>,device_map=cpu,device=cpu`):

- "llava": LLaVA-1.5 layout, for `llava_hf` (chat class by default, simple with --force_simple);
- "qwen2vl": Qwen2-VL, for `qwen2_vl` (a simple class only);
- "qwen2_5vl": Qwen2.5-VL, for `qwen2_5_vl` (chat class by default); it cannot load a Qwen2-VL
  checkpoint, whose vision tower differs.

Each has well under a million parameters, so a request takes milliseconds; the answers are random
bytes. The tokenizer is byte-level BPE without merges: one id per byte (it encodes any text, needs
no training and no download) plus single-id special tokens. Torch and transformers are imported
inside the function (the first call spends ~5 s on that), so importing this module is cheap; a
build itself takes well under a second and writes about 0.5 MB.
"""

from __future__ import annotations

from pathlib import Path

# LLaVA-1.5 layout ("USER: <image>\n... ASSISTANT:"). Content is a string (lmms-eval simple
# classes put "<image>" in the text themselves) or a list of {"type": "image"|"text"} parts
# (chat classes); images go first, as in llava-hf's own template.
LLAVA_CHAT_TEMPLATE = (
    "{% for message in messages %}"
    "{% if message['role'] != 'system' %}{{ message['role'].upper() + ': ' }}{% endif %}"
    "{% if message['content'] is string %}{{ message['content'] + ' ' }}"
    "{% else %}"
    "{% for part in message['content'] if part['type'] == 'image' %}{{ '<image>\\n' }}{% endfor %}"
    "{% for part in message['content'] if part['type'] == 'text' %}{{ part['text'] + ' ' }}{% endfor %}"
    "{% endif %}"
    "{% endfor %}"
    "{% if add_generation_prompt %}{{ 'ASSISTANT:' }}{% endif %}"
)

# Qwen2-VL layout (ChatML with a default system turn and vision placeholders).
QWEN2VL_CHAT_TEMPLATE = (
    "{% for message in messages %}"
    "{% if loop.first and message['role'] != 'system' %}"
    "{{ '<|im_start|>system\\nYou are a helpful assistant.<|im_end|>\\n' }}"
    "{% endif %}"
    "{{ '<|im_start|>' + message['role'] + '\\n' }}"
    "{% if message['content'] is string %}{{ message['content'] }}"
    "{% else %}"
    "{% for part in message['content'] %}"
    "{% if part['type'] == 'image' %}{{ '<|vision_start|><|image_pad|><|vision_end|>' }}"
    "{% elif part['type'] == 'video' %}{{ '<|vision_start|><|video_pad|><|vision_end|>' }}"
    "{% elif part['type'] == 'text' %}{{ part['text'] }}"
    "{% endif %}"
    "{% endfor %}"
    "{% endif %}"
    "{{ '<|im_end|>\\n' }}"
    "{% endfor %}"
    "{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}"
)

# Shared sizes of the language model: 2 layers of width 32.
_TEXT = {
    "hidden_size": 32,
    "intermediate_size": 64,
    "num_hidden_layers": 2,
    "num_attention_heads": 2,
    "num_key_value_heads": 2,
    "max_position_embeddings": 4096,
}


def _byte_tokenizer(special_tokens: list[str], **roles: str):
    """A fast tokenizer with one id per byte plus `special_tokens`; `roles` names some of them
    (eos_token=..., pad_token=..., ...)."""
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers
    from transformers import PreTrainedTokenizerFast

    vocab = {char: index for index, char in enumerate(sorted(pre_tokenizers.ByteLevel.alphabet()))}
    backend = Tokenizer(models.BPE(vocab=vocab, merges=[]))
    backend.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    backend.decoder = decoders.ByteLevel()
    tokenizer = PreTrainedTokenizerFast(tokenizer_object=backend)
    named = set(roles.values())
    tokenizer.add_special_tokens(
        {
            "additional_special_tokens": [token for token in special_tokens if token not in named],
            **roles,
        }
    )
    return tokenizer


def _build_llava(out_dir: Path) -> None:
    from transformers import (
        CLIPImageProcessor,
        CLIPVisionConfig,
        LlamaConfig,
        LlavaConfig,
        LlavaForConditionalGeneration,
        LlavaProcessor,
    )

    tokenizer = _byte_tokenizer(
        ["<unk>", "<s>", "</s>", "<pad>", "<image>"],
        unk_token="<unk>",
        bos_token="<s>",
        eos_token="</s>",
        pad_token="<pad>",
    )
    image_size, patch_size = 32, 8
    config = LlavaConfig(
        vision_config=CLIPVisionConfig(
            hidden_size=32,
            intermediate_size=64,
            projection_dim=32,
            num_hidden_layers=2,
            num_attention_heads=2,
            image_size=image_size,
            patch_size=patch_size,
        ),
        text_config=LlamaConfig(
            vocab_size=len(tokenizer),
            bos_token_id=tokenizer.bos_token_id,
            eos_token_id=tokenizer.eos_token_id,
            pad_token_id=tokenizer.pad_token_id,
            **_TEXT,
        ),
        image_token_index=tokenizer.convert_tokens_to_ids("<image>"),
        # "default" drops the CLS feature: one image = (32 / 8) ** 2 = 16 tokens.
        vision_feature_select_strategy="default",
        vision_feature_layer=-2,
        image_seq_length=(image_size // patch_size) ** 2,
    )
    model = LlavaForConditionalGeneration(config).eval()
    _set_generation_ids(model, tokenizer)
    processor = LlavaProcessor(
        image_processor=CLIPImageProcessor(
            size={"shortest_edge": image_size}, crop_size={"height": image_size, "width": image_size}
        ),
        tokenizer=tokenizer,
        patch_size=patch_size,
        vision_feature_select_strategy="default",
        num_additional_image_tokens=1,  # the CLS token, which "default" then drops again
        chat_template=LLAVA_CHAT_TEMPLATE,
    )
    model.save_pretrained(out_dir)
    processor.save_pretrained(out_dir)


def _build_qwen(out_dir: Path, version: str) -> None:
    """Qwen2-VL (`version` "2") or Qwen2.5-VL ("2.5"): same tokenizer, text model and processor
    layout; the vision towers differ (2.5 has a gated MLP, RMSNorm and window attention)."""
    import transformers
    from transformers import Qwen2VLImageProcessor, Qwen2VLVideoProcessor

    special = [
        "<|endoftext|>",
        "<|im_start|>",
        "<|im_end|>",
        "<|vision_start|>",
        "<|vision_end|>",
        "<|image_pad|>",
        "<|video_pad|>",
    ]
    tokenizer = _byte_tokenizer(special, eos_token="<|im_end|>", pad_token="<|endoftext|>")
    ids = {token: tokenizer.convert_tokens_to_ids(token) for token in special}
    vision = {"depth": 2, "num_heads": 2, "patch_size": 14, "spatial_merge_size": 2, "temporal_patch_size": 2}
    if version == "2":
        prefix = "Qwen2VL"
        vision |= {"embed_dim": 32, "hidden_size": 32, "mlp_ratio": 2}
    else:
        prefix = "Qwen2_5_VL"
        # out_hidden_size is the width the merger projects to: the text model's hidden size.
        vision |= {
            "hidden_size": 32,
            "intermediate_size": 64,
            "out_hidden_size": 32,
            "fullatt_block_indexes": [1],
        }
    config = getattr(transformers, f"{prefix}Config")(
        text_config={
            "vocab_size": len(tokenizer),
            "bos_token_id": None,
            "eos_token_id": ids["<|im_end|>"],
            "pad_token_id": ids["<|endoftext|>"],
            # head_dim = 32 / 2 = 16; the multimodal RoPE sections must sum to head_dim / 2.
            "rope_parameters": {"rope_type": "default", "rope_theta": 10000.0, "mrope_section": [2, 3, 3]},
            **_TEXT,
        },
        vision_config=vision,
        image_token_id=ids["<|image_pad|>"],
        video_token_id=ids["<|video_pad|>"],
        vision_start_token_id=ids["<|vision_start|>"],
        vision_end_token_id=ids["<|vision_end|>"],
    )
    model = getattr(transformers, f"{prefix}ForConditionalGeneration")(config).eval()
    _set_generation_ids(model, tokenizer)
    # Small images by default (lmms-eval's Qwen classes pass their own min_pixels / max_pixels).
    pixels = {"min_pixels": 28 * 28, "max_pixels": 112 * 112, "patch_size": 14, "merge_size": 2}
    processor = getattr(transformers, f"{prefix}Processor")(
        image_processor=Qwen2VLImageProcessor(temporal_patch_size=2, **pixels),
        video_processor=Qwen2VLVideoProcessor(temporal_patch_size=2, **pixels),
        tokenizer=tokenizer,
        chat_template=QWEN2VL_CHAT_TEMPLATE,
    )
    model.save_pretrained(out_dir)
    processor.save_pretrained(out_dir)


def _set_generation_ids(model, tokenizer) -> None:
    model.generation_config.eos_token_id = tokenizer.eos_token_id
    model.generation_config.pad_token_id = tokenizer.pad_token_id
    model.generation_config.bos_token_id = tokenizer.bos_token_id


_BUILDERS = {
    "llava": _build_llava,
    "qwen2vl": lambda out_dir: _build_qwen(out_dir, "2"),
    "qwen2_5vl": lambda out_dir: _build_qwen(out_dir, "2.5"),
}


def build_tiny_vlm(kind: str, out_dir: Path) -> Path:
    """Write a tiny `kind` ("llava", "qwen2vl" or "qwen2_5vl") checkpoint with its processor into `out_dir`
    (created if needed) and return `out_dir`. Deterministic (seed 0) and offline; the global torch
    random state is left as it was.

        @pytest.fixture(scope="session")
        def tiny_llava(tmp_path_factory):
            return build_tiny_vlm("llava", tmp_path_factory.mktemp("tiny_llava"))
    """
    if kind not in _BUILDERS:
        raise ValueError(f"unknown kind {kind!r}: expected one of {sorted(_BUILDERS)}")
    import torch

    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(0)
        _BUILDERS[kind](out_dir)
    return out_dir
