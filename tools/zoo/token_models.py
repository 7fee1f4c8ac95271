"""The zoo's token models, written here in plain PyTorch from their published configurations (no library model code):

BERT-base   Devlin et al. 2019 and google-research/bert's bert_config.json for BERT-Base, Uncased: vocabulary 30522,
            hidden 768, 12 layers, 12 heads, intermediate 3072, 512 positions, 2 token types, GELU (exact, erf),
            LayerNorm epsilon 1e-12, post-norm (LayerNorm after each residual sum). Embeddings: word + learned position
            + token type (all type 0: the single-segment input), then LayerNorm. Output: the pooler (tanh of a dense
            layer on the first token), [N, 768]. 109,482,240 parameters.
GPT-2 small Radford et al. 2019 and openai/gpt-2's hparams for the 124M model: vocabulary 50257, 1024 positions,
            hidden 768, 12 layers, 12 heads, MLP 3072, pre-norm (LayerNorm before attention and MLP, a last
            LayerNorm after the stack), GELU with the tanh approximation, causal self-attention, LayerNorm epsilon
            1e-5, LM head tied to the token embedding (no bias). Output: logits [N, seq, 50257]. 124,439,808
            parameters.

Both take one input, int64 token ids [N, seq], and are exported with N and seq symbolic. Attention is written with
two matmuls (Q K^T / sqrt(d), softmax, x V) on [N, heads, seq, 64] tensors, as the published code does. The causal mask
of GPT-2 is a registered lower-triangular boolean buffer [1024, 1024] sliced to [seq, seq] (the published code's
`bias` buffer), so that the graph needs no Trilu (absent at opset 13). Initialisation as the published training code:
normal(0, 0.02) for linear and embedding weights; the exporter then gives every constant parameter (zero biases,
LayerNorm's ones and zeros) seeded random values.
"""

import math

import torch
import torch.nn.functional as F
from torch import nn


def _init_weights(module):
    for m in module.modules():
        if isinstance(m, (nn.Linear, nn.Embedding)):
            nn.init.normal_(m.weight, mean=0.0, std=0.02)
            if isinstance(m, nn.Linear) and m.bias is not None:
                nn.init.zeros_(m.bias)
        elif isinstance(m, nn.LayerNorm):
            nn.init.ones_(m.weight)
            nn.init.zeros_(m.bias)


def _split_heads(x, heads):
    n, s, e = x.shape
    return x.view(n, s, heads, e // heads).transpose(1, 2)  # [N, heads, seq, d]


def _merge_heads(x):
    n, h, s, d = x.shape
    return x.transpose(1, 2).reshape(n, s, h * d)


class BertLayer(nn.Module):
    def __init__(self, hidden, heads, intermediate, eps):
        super().__init__()
        self.heads = heads
        self.query = nn.Linear(hidden, hidden)
        self.key = nn.Linear(hidden, hidden)
        self.value = nn.Linear(hidden, hidden)
        self.attn_out = nn.Linear(hidden, hidden)
        self.attn_norm = nn.LayerNorm(hidden, eps=eps)
        self.ffn_in = nn.Linear(hidden, intermediate)
        self.ffn_out = nn.Linear(intermediate, hidden)
        self.ffn_norm = nn.LayerNorm(hidden, eps=eps)

    def forward(self, x):
        q = _split_heads(self.query(x), self.heads)
        k = _split_heads(self.key(x), self.heads)
        v = _split_heads(self.value(x), self.heads)
        scores = torch.matmul(q, k.transpose(-1, -2)) / math.sqrt(q.shape[-1])
        context = _merge_heads(torch.matmul(torch.softmax(scores, dim=-1), v))
        x = self.attn_norm(x + self.attn_out(context))
        return self.ffn_norm(x + self.ffn_out(F.gelu(self.ffn_in(x))))


class BertBase(nn.Module):
    def __init__(self, vocab=30522, hidden=768, layers=12, heads=12, intermediate=3072, max_positions=512,
                 type_vocab=2, eps=1e-12):
        super().__init__()
        self.word = nn.Embedding(vocab, hidden)
        self.position = nn.Embedding(max_positions, hidden)
        self.token_type = nn.Embedding(type_vocab, hidden)
        self.embed_norm = nn.LayerNorm(hidden, eps=eps)
        self.layers = nn.ModuleList([BertLayer(hidden, heads, intermediate, eps) for _ in range(layers)])
        self.pooler = nn.Linear(hidden, hidden)
        _init_weights(self)

    def forward(self, input_ids):
        positions = torch.arange(input_ids.shape[1], device=input_ids.device).unsqueeze(0)
        x = self.word(input_ids) + self.position(positions) + self.token_type(torch.zeros_like(input_ids))
        x = self.embed_norm(x)
        for layer in self.layers:
            x = layer(x)
        return torch.tanh(self.pooler(x[:, 0]))


class Gpt2Block(nn.Module):
    def __init__(self, hidden, heads, n_ctx, eps):
        super().__init__()
        self.heads = heads
        self.ln_1 = nn.LayerNorm(hidden, eps=eps)
        self.c_attn = nn.Linear(hidden, 3 * hidden)
        self.c_proj = nn.Linear(hidden, hidden)
        self.ln_2 = nn.LayerNorm(hidden, eps=eps)
        self.c_fc = nn.Linear(hidden, 4 * hidden)
        self.mlp_proj = nn.Linear(4 * hidden, hidden)
        self.register_buffer("causal", torch.tril(torch.ones(n_ctx, n_ctx, dtype=torch.bool)), persistent=False)

    def forward(self, x):
        seq = x.shape[1]
        q, k, v = self.c_attn(self.ln_1(x)).split(x.shape[-1], dim=2)
        q, k, v = (_split_heads(t, self.heads) for t in (q, k, v))
        scores = torch.matmul(q, k.transpose(-1, -2)) / math.sqrt(q.shape[-1])
        scores = torch.where(self.causal[:seq, :seq], scores, torch.tensor(torch.finfo(scores.dtype).min))
        x = x + self.c_proj(_merge_heads(torch.matmul(torch.softmax(scores, dim=-1), v)))
        return x + self.mlp_proj(F.gelu(self.c_fc(self.ln_2(x)), approximate="tanh"))


class Gpt2Small(nn.Module):
    def __init__(self, vocab=50257, n_ctx=1024, hidden=768, layers=12, heads=12, eps=1e-5):
        super().__init__()
        self.wte = nn.Embedding(vocab, hidden)
        self.wpe = nn.Embedding(n_ctx, hidden)
        self.blocks = nn.ModuleList([Gpt2Block(hidden, heads, n_ctx, eps) for _ in range(layers)])
        self.ln_f = nn.LayerNorm(hidden, eps=eps)
        _init_weights(self)

    def forward(self, input_ids):
        positions = torch.arange(input_ids.shape[1], device=input_ids.device).unsqueeze(0)
        x = self.wte(input_ids) + self.wpe(positions)
        for block in self.blocks:
            x = block(x)
        return F.linear(self.ln_f(x), self.wte.weight)  # the LM head, tied to the token embedding


def bert_base():
    return BertBase()


def gpt2_small():
    return Gpt2Small()
