"""Look of the web UI: theme (system CJK fonts, nothing fetched from the network) and CSS."""
from __future__ import annotations

import gradio as gr

FONTS = ("PingFang SC", "Hiragino Sans GB", "Microsoft YaHei", "Noto Sans CJK SC", "Source Han Sans SC",
         "WenQuanYi Micro Hei", "ui-sans-serif", "system-ui", "sans-serif")
MONO = ("ui-monospace", "Consolas", "monospace")


def theme() -> gr.themes.Base:
    return gr.themes.Default(primary_hue="blue", neutral_hue="slate", font=FONTS, font_mono=MONO,
                             radius_size="md", text_size="md")


CSS = """
footer, .show-api, .built-with { display: none !important; }
.gradio-container { max-width: 1320px !important; margin: 0 auto !important; }
.pq-header { display: flex; flex-wrap: wrap; align-items: baseline; gap: 4px 16px; padding: 4px 2px 0; }
.pq-header h1 { font-size: 1.45rem; font-weight: 700; margin: 0; }
.pq-header p { margin: 0; color: var(--body-text-color-subdued); font-size: .92rem; }

/* chat log */
#pq-chat { border: 1px solid var(--border-color-primary); border-radius: var(--radius-lg);
           background: var(--background-fill-secondary); padding: 14px; }
.pq-chat { display: flex; flex-direction: column; gap: 12px; }
.pq-msg { border-radius: 12px; padding: 10px 14px; line-height: 1.75; font-size: 15px; max-width: 100%;
          overflow-wrap: anywhere; }
.pq-user { align-self: flex-end; max-width: 85%; background: var(--primary-600); color: #fff; white-space: pre-wrap;
           max-height: 7.5em; overflow-y: auto; }  /* a very long question scrolls in its own bubble */
.pq-bot { align-self: flex-start; background: var(--background-fill-primary);
          border: 1px solid var(--border-color-primary); }
.pq-text { white-space: pre-wrap; }
.pq-streaming .pq-text::after { content: "▍"; color: var(--primary-500); animation: pq-blink 1s steps(2) infinite; }
@keyframes pq-blink { to { visibility: hidden; } }
.pq-pending { color: var(--body-text-color-subdued); }
.pq-dots { display: inline-block; width: 10px; height: 10px; margin-right: 8px; border-radius: 50%;
           background: var(--primary-500); animation: pq-pulse 1s ease-in-out infinite; }
@keyframes pq-pulse { 50% { opacity: .25; transform: scale(.7); } }
.pq-error { border-left: 4px solid #dc2626; color: #b91c1c; }
.pq-refusal { border-left: 4px solid #d97706; background: #fffbeb; }
.pq-refusal-title { font-weight: 700; color: #92400e; margin-bottom: 2px; }
.pq-refusal-title::before { content: "⚠ "; }
.pq-related { margin-top: 10px; padding-top: 8px; border-top: 1px dashed #f5c679; }
.pq-related-title { font-size: .88rem; color: #92400e; margin-bottom: 4px; }
.pq-related ul { list-style: none; margin: 0; padding: 0; display: flex; flex-direction: column; gap: 6px; }
.pq-related li { display: flex; flex-wrap: wrap; align-items: baseline; gap: 4px 8px; margin: 0; }
.pq-snippet { color: var(--body-text-color-subdued); font-size: .86rem; line-height: 1.5; }
.pq-warning { margin-top: 6px; font-size: .85rem; color: var(--body-text-color-subdued); }
.pq-weak { margin-bottom: 6px; padding: 4px 8px; font-size: .85rem; border-left: 3px solid #d97706;
  background: rgba(217, 119, 6, .08); }
.pq-why { margin-top: 8px; font-size: .85rem; color: var(--body-text-color-subdued); }
.pq-why summary { cursor: pointer; }
.pq-why ul { margin: 4px 0 0 1.2em; padding: 0; }
.pq-sources, .pq-links { margin-top: 8px; display: flex; flex-wrap: wrap; align-items: center; gap: 6px; }
.pq-sources-label { font-size: .82rem; color: var(--body-text-color-subdued); }

/* citation chips */
.pq-chip { display: inline; margin: 0 3px; padding: 1px 8px; border-radius: 6px; cursor: pointer; transition: none;
           -webkit-box-decoration-break: clone; box-decoration-break: clone;
           border: 1px solid var(--primary-300); background: var(--primary-50); color: var(--primary-700);
           font: inherit; font-size: .86em; line-height: 1.9; white-space: normal; text-align: left; }
.pq-chip:hover, .pq-chip:focus-visible { background: var(--primary-100); border-color: var(--primary-500); }
.pq-chip.pq-chip-active { background: var(--primary-600); border-color: var(--primary-600); color: #fff; }
.pq-chip-related { border-color: #f5c679; background: #fff; color: #92400e; }

/* empty chat: example questions */
.pq-welcome-lead { margin: 0 0 12px; color: var(--body-text-color-subdued); line-height: 1.7; }
.pq-examples { display: grid; grid-template-columns: repeat(auto-fit, minmax(210px, 1fr)); gap: 12px; }
.pq-example-group { display: flex; flex-direction: column; gap: 6px; }
.pq-example-kind { font-weight: 700; font-size: .95rem; }
.pq-example-kind span { display: block; font-weight: 400; font-size: .82rem; color: var(--body-text-color-subdued); }
.pq-example { text-align: left; padding: 8px 10px; border-radius: 8px; cursor: pointer; font: inherit;
              font-size: .92rem; line-height: 1.55; border: 1px solid var(--border-color-primary);
              background: var(--background-fill-primary); color: var(--body-text-color); }
.pq-example:hover { border-color: var(--primary-400); background: var(--primary-50); }

/* side panel */
#pq-side { position: sticky; top: 10px; align-self: flex-start; }
.pq-panel, .pq-docs { border: 1px solid var(--border-color-primary); border-radius: var(--radius-lg);
                      background: var(--background-fill-primary); padding: 14px 16px; }
.pq-panel-empty { color: var(--body-text-color-subdued); line-height: 1.7; }
.pq-panel-heading { font-weight: 700; font-size: 1.02rem; margin-bottom: 8px; color: var(--body-text-color); }
.pq-clause-text { white-space: pre-wrap; line-height: 1.85; font-size: 15px; overflow-wrap: anywhere; }
.pq-clause-text mark { background: #fde68a; color: inherit; padding: 1px 0; border-radius: 2px; }
.pq-meta { display: grid; grid-template-columns: 5.2em 1fr; gap: 3px 8px; margin: 12px 0 0; font-size: .88rem; }
.pq-meta dt { color: var(--body-text-color-subdued); }
.pq-meta dd { margin: 0; overflow-wrap: anywhere; }
.pq-open { margin-top: 12px; padding: 7px 14px; border-radius: 8px; cursor: pointer; font: inherit; font-size: .92rem;
           border: 1px solid var(--primary-600); background: var(--primary-600); color: #fff; }
.pq-open:hover { background: var(--primary-700); }

/* document browser */
.pq-docs ul { list-style: none; margin: 0; padding: 0; display: flex; flex-direction: column; gap: 8px; }
.pq-docs li { margin: 0; }
.pq-doc { width: 100%; text-align: left; padding: 10px 12px; border-radius: 8px; cursor: pointer; font: inherit;
          border: 1px solid var(--border-color-primary); background: var(--background-fill-primary);
          color: var(--body-text-color); display: flex; flex-direction: column; gap: 2px; }
.pq-doc:hover { border-color: var(--primary-400); }
.pq-doc-active { border-color: var(--primary-600); background: var(--primary-50); }
.pq-doc-title { font-weight: 600; line-height: 1.5; }
.pq-doc-facts, .pq-doc-count { font-size: .84rem; color: var(--body-text-color-subdued); }
#pq-reader { border: 1px solid var(--border-color-primary); border-radius: var(--radius-lg);
             background: var(--background-fill-primary); max-height: calc(100vh - 160px); overflow-y: auto !important; }
.pq-reader { padding: 6px 20px 16px; }
.pq-reader-title { font-size: 1.25rem; margin: 0 -20px 4px; padding: 10px 20px 8px; line-height: 1.5;
                    position: sticky; top: 0; z-index: 1; background: var(--background-fill-primary);
                    border-bottom: 1px solid var(--border-color-primary);
                    white-space: nowrap; overflow: hidden; text-overflow: ellipsis; }
.pq-source { font-size: .88rem; }
.pq-reader-section { font-size: 1.05rem; margin: 22px 0 8px; }
.pq-reader-clause { padding: 6px 12px; margin: 4px 0; border-left: 3px solid transparent; border-radius: 4px;
                    scroll-margin-top: 60px; }
.pq-reader-clause.pq-target { border-left-color: var(--primary-600); background: var(--primary-50); }
.pq-reader-label { font-weight: 700; margin-right: 6px; }

/* conversations, tools under an answer, the busy line, the filter note, the offline banner */
#pq-conv-bar { align-items: center; gap: 8px; flex-wrap: nowrap; }
#pq-conv-list { min-width: 0; }
.pq-convs ul { display: flex; gap: 6px; overflow-x: auto; list-style: none; margin: 0; padding: 2px 0; }
.pq-conv { display: flex; flex: 0 0 auto; align-items: center; border: 1px solid var(--border-color-primary);
           border-radius: 999px; background: var(--background-fill-primary); }
.pq-conv-active { border-color: var(--primary-500); background: var(--primary-50); }
.pq-conv-open { padding: 3px 4px 3px 12px; font-size: .88rem; max-width: 16em; white-space: nowrap; overflow: hidden;
                text-overflow: ellipsis; }
.pq-conv-count { margin-left: 6px; color: var(--body-text-color-subdued); font-size: .8rem; }
.pq-conv-delete { padding: 0 10px 0 4px; color: var(--body-text-color-subdued); font-size: 1rem; }
.pq-conv-delete:hover { color: #b91c1c; }
.pq-resolved { font-size: .9rem; color: var(--body-text-color-subdued); margin-bottom: 4px; }
.pq-filter { font-size: .85rem; color: #92400e; background: #fffbeb; border: 1px solid #fcd34d; border-radius: 6px;
             padding: 2px 8px; margin-bottom: 6px; }
.pq-clarify { border-left: 4px solid var(--primary-500); }
.pq-queued, .pq-stopped { color: var(--body-text-color-subdued); font-size: .92rem; }
.pq-slow { display: none; margin-top: 6px; font-size: .88rem; color: #92400e; }
.pq-pending .pq-slow { display: block; visibility: hidden; animation: pq-reveal 0s linear 15s forwards; }
@keyframes pq-reveal { to { visibility: visible; } }
.pq-tools { display: flex; flex-wrap: wrap; align-items: center; gap: 6px; margin-top: 8px; font-size: .85rem; }
.pq-tool { border: 1px solid var(--border-color-primary); border-radius: 6px; padding: 1px 8px;
           background: var(--background-fill-secondary); cursor: pointer; }
.pq-tool.pq-chosen { border-color: var(--primary-500); background: var(--primary-50); }
.pq-feedback { display: inline-flex; flex-wrap: wrap; align-items: center; gap: 6px; }
.pq-feedback-form { display: inline-flex; gap: 6px; }
.pq-feedback-form[hidden] { display: none; }
.pq-feedback-form input { border: 1px solid var(--border-color-primary); border-radius: 6px; padding: 1px 6px;
                          min-width: 12em; background: var(--background-fill-primary); }
.pq-feedback-done { color: var(--body-text-color-subdued); }
#pq-actions { align-items: center; gap: 8px; }
.pq-status { min-height: 1.6em; font-size: .9rem; color: var(--body-text-color-subdued); }
.pq-status .pq-dots { width: 8px; height: 8px; }
.pq-offline { position: sticky; top: 0; z-index: 1000; padding: 10px 16px; background: #fef2f2; color: #b91c1c;
              border-bottom: 2px solid #dc2626; font-size: .95rem; }
.pq-offline[hidden] { display: none; }

.dark .pq-refusal { background: rgba(217, 119, 6, .12); }
.dark .pq-refusal-title, .dark .pq-related-title, .dark .pq-chip-related { color: #fbbf24; }
.dark .pq-chip-related { background: transparent; }
.dark .pq-clause-text mark { background: #a16207; }
.dark .pq-chip { background: transparent; color: var(--primary-300); }
.dark .pq-example:hover, .dark .pq-doc-active, .dark .pq-reader-clause.pq-target { background: rgba(59, 130, 246, .12); }

@media (max-width: 900px) {
  #pq-side { position: static; }
  #pq-reader { max-height: none; overflow: visible !important; }
  .pq-user { max-width: 92%; }
  .pq-reader { padding: 4px 12px 12px; }
  .pq-reader-title { margin: 0 -12px 4px; padding: 8px 12px; font-size: 1.1rem; white-space: normal; }
  .pq-reader-clause { scroll-margin-top: 100px; }
}
"""
