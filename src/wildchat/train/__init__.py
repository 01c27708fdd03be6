"""Fine-tuning (`wildchat train`) and MT-bench-style evaluation (`wildchat eval`); docs/training.md.

Modules: data (filters), templates, masking (loss on replies), split (long conversations),
prepare (dataset → tokens), recipe (WildLlama defaults), sft (TRL's trainer); fastchat_io
(FastChat's benchmark files), endpoint, generate, prompts, judge, scores, show.
Nothing heavy (torch, transformers, TRL) is imported until a function needs it.
"""
