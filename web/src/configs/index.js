// The model configs shipped with the page: published config.json files of real checkpoints
// (the RoPE keys, head and layer counts as published; a few unrelated keys left out).
// Used by the "Your model" section; the Worker reads them through this module too.
import llama31 from './llama-3.1-8b.json';
import llama32 from './llama-3.2-1b.json';
import qwen25 from './qwen2.5-7b-instruct.json';
import qwen2vl from './qwen2-vl-7b-instruct.json';
import qwen3vl from './qwen3-vl-8b-instruct.json';
import gemma3 from './gemma-3-1b-it.json';
import gemma4 from './gemma-4-e2b-it.json';
import gptoss from './gpt-oss-20b.json';
import phi35 from './phi-3.5-mini-instruct.json';
import dsv2 from './deepseek-v2-lite.json';
import llama4 from './llama-4-scout-17b-16e-instruct.json';

export const MODEL_CONFIGS = [
  { id: 'llama-3.1-8b', name: 'Llama 3.1 8B', repo: 'meta-llama/Llama-3.1-8B', json: llama31 },
  { id: 'llama-3.2-1b', name: 'Llama 3.2 1B', repo: 'meta-llama/Llama-3.2-1B', json: llama32 },
  { id: 'qwen2.5-7b', name: 'Qwen2.5 7B Instruct', repo: 'Qwen/Qwen2.5-7B-Instruct', json: qwen25 },
  { id: 'qwen2-vl-7b', name: 'Qwen2-VL 7B Instruct', repo: 'Qwen/Qwen2-VL-7B-Instruct', json: qwen2vl },
  { id: 'qwen3-vl-8b', name: 'Qwen3-VL 8B Instruct', repo: 'Qwen/Qwen3-VL-8B-Instruct', json: qwen3vl },
  { id: 'gemma-3-1b', name: 'Gemma 3 1B it', repo: 'google/gemma-3-1b-it', json: gemma3 },
  { id: 'gemma-4', name: 'Gemma 4 (E2B sizes)', repo: 'google/gemma-4-e2b-it',
    note: 'RoPE keys as transformers 5 writes them for Gemma 4 (global_head_dim 512, proportional 0.25, theta 1e6; sliding layers theta 1e4); the sizes are the Gemma4TextConfig defaults', json: gemma4 },
  { id: 'gpt-oss-20b', name: 'gpt-oss 20B', repo: 'openai/gpt-oss-20b', json: gptoss },
  { id: 'phi-3.5-mini', name: 'Phi-3.5 mini instruct', repo: 'microsoft/Phi-3.5-mini-instruct', json: phi35 },
  { id: 'deepseek-v2-lite', name: 'DeepSeek-V2-Lite', repo: 'deepseek-ai/DeepSeek-V2-Lite', json: dsv2 },
  { id: 'llama-4-scout', name: 'Llama 4 Scout 17B-16E Instruct', repo: 'meta-llama/Llama-4-Scout-17B-16E-Instruct', json: llama4 },
];

export function modelConfig(id) {
  return MODEL_CONFIGS.find((m) => m.id === id) ?? null;
}
