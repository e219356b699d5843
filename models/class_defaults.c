/* class_defaults.c — values transformers fills in when a config.json leaves a field out.
 *
 * Some real configs rely on their config class's defaults (Gemma-3's text_config has no
 * vocab_size or max_position_embeddings). Reading them as absent would undercount the
 * parameters or demand a --context the model already defines, so the defaults of those
 * classes are written down here, with where they come from.
 */
#include <string.h>

#include "class_defaults.h"

static const struct {
    const char *model_type;
    const char *defaults_json;
} class_defaults[] = {
    /* transformers models/gemma3/configuration_gemma3.py, Gemma3TextConfig.__init__ */
    {"gemma3_text",
     "{\"vocab_size\": 262208, \"max_position_embeddings\": 131072, "
     "\"num_attention_heads\": 8, \"num_key_value_heads\": 4, \"head_dim\": 256, "
     "\"sliding_window\": 4096, \"sliding_window_pattern\": 6, \"tie_word_embeddings\": true}"},
    /* transformers models/gpt2/configuration_gpt2.py, GPT2Config.__init__ */
    {"gpt2", "{\"vocab_size\": 50257, \"n_positions\": 1024}"},
};

json_t *attn_class_defaults(const char *model_type)
{
    for (size_t i = 0; i < sizeof class_defaults / sizeof class_defaults[0]; i++)
        if (strcmp(model_type, class_defaults[i].model_type) == 0)
            return json_loads(class_defaults[i].defaults_json, 0, NULL);
    return NULL;
}
