"""A real `transformers serve` on 127.0.0.1 with a tiny checkpoint that always gives one answer.

`make_answering` rewires a tiny random vision-language checkpoint (tests/tiny_models.py) so that
its greedy answer is one fixed string, whatever the prompt and image: random weights would answer
noise, and only a valid verdict proves the whole path (request, image, answer, parsing) works.
The answer becomes ONE added, non-special token; every decoder layer's attention and MLP output
projections are zeroed, so the residual stream at a position is that token's embedding; the LM head
then maps "last token of the generation prompt" -> answer token -> end of sequence. The vision
tower and the image processor still run on every request, so image tokens still reach the model.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

OFFLINE_ENV = {
    "HF_HUB_OFFLINE": "1",
    "TRANSFORMERS_OFFLINE": "1",
    "HF_HUB_DISABLE_UPDATE_CHECK": "1",  # the CLI would otherwise ask pypi.org for a newer release
    "HF_HUB_DISABLE_TELEMETRY": "1",
    "TOKENIZERS_PARALLELISM": "false",
}
READY_TIMEOUT_S = 120
STOP_TIMEOUT_S = 20


def make_answering(path: Path, answer: str) -> None:
    """Rewire the checkpoint in `path` (in place) so that it always answers `answer`."""
    import torch
    from tokenizers import AddedToken
    from transformers import AutoModelForImageTextToText, AutoProcessor

    processor = AutoProcessor.from_pretrained(path)
    model = AutoModelForImageTextToText.from_pretrained(path, dtype=torch.float32)
    tokenizer = processor.tokenizer
    tokenizer.add_tokens([AddedToken(answer, special=False, normalized=False)])
    answer_id = tokenizer.convert_tokens_to_ids(answer)
    model.resize_token_embeddings(len(tokenizer), mean_resizing=False)
    probe = [{"role": "user", "content": [{"type": "text", "text": "x"}]}]
    prompt = processor.apply_chat_template(probe, add_generation_prompt=True, tokenize=False)
    prompt_end = tokenizer(prompt)["input_ids"][-1]
    eos = model.generation_config.eos_token_id
    eos = eos[0] if isinstance(eos, list) else eos
    text_model = model.model.language_model
    embeddings = text_model.get_input_embeddings().weight
    head = model.get_output_embeddings().weight
    assert embeddings.data_ptr() != head.data_ptr(), "tied input and output embeddings cannot be rewired"
    with torch.no_grad():
        for layer in text_model.layers:
            layer.self_attn.o_proj.weight.zero_()
            layer.mlp.down_proj.weight.zero_()
        first, second = torch.zeros(embeddings.shape[1]), torch.zeros(embeddings.shape[1])
        first[0], second[1] = 1.0, 1.0
        embeddings[prompt_end] = first
        embeddings[answer_id] = second
        head.zero_()
        head[answer_id] = 10 * first
        head[eos] = 10 * second
    model.save_pretrained(path)
    processor.save_pretrained(path)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class TransformersServer:
    """`transformers serve CHECKPOINT` pinned to one local checkpoint, in its own session.

    The pinned checkpoint is loaded before the port opens, so `/health` answering means ready."""

    def __init__(self, checkpoint: Path, workdir: Path):
        self.checkpoint, self.workdir = checkpoint, workdir
        self.log_path = workdir / "serve.log"
        self.port = 0
        self.process: subprocess.Popen | None = None

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")[-4000:] if self.log_path.is_file() else ""

    def start(self) -> TransformersServer:
        for attempt in range(2):  # the free port may be taken between probing and binding: once more
            self.port = free_port()
            env = {**os.environ, **OFFLINE_ENV, "HF_HOME": str(self.workdir / "hf_home")}
            command = [
                sys.executable, "-m", "transformers.cli.transformers", "serve", str(self.checkpoint),
                "--host", "127.0.0.1", "--port", str(self.port), "--device", "cpu", "--dtype", "float32",
            ]  # fmt: skip
            with self.log_path.open("wb") as log:
                self.process = subprocess.Popen(
                    command, stdout=log, stderr=subprocess.STDOUT, env=env, start_new_session=True
                )
            if self._wait_ready():
                return self
            if attempt == 0 and "address already in use" in self.log().lower():
                continue
            raise RuntimeError(f"transformers serve exited with {self.process.returncode}:\n{self.log()}")
        raise AssertionError("unreachable")

    def _wait_ready(self) -> bool:
        deadline = time.monotonic() + READY_TIMEOUT_S
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                return False
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/health", timeout=1) as answer:
                    if answer.status == 200:
                        return True
            except OSError:
                pass
            time.sleep(0.1)
        self.stop()
        raise TimeoutError(f"transformers serve not ready after {READY_TIMEOUT_S} s:\n{self.log()}")

    def stop(self) -> int | None:
        """SIGTERM (a graceful uvicorn shutdown), then SIGKILL to the whole session if it lingers."""
        if self.process is None or self.process.poll() is not None:
            return None if self.process is None else self.process.returncode
        self.process.send_signal(signal.SIGTERM)
        try:
            return self.process.wait(STOP_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)  # its own session: the group id is its pid
            return self.process.wait()
