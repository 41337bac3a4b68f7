"""Model analysis: the fit at a glance, how k was chosen, and what sets the segments apart."""

from __future__ import annotations

import streamlit as st

import charts
import formatting as fmt
import summaries
import views

context = views.context()
diagnostics = context.mart("segment_k_diagnostics")
profiles = context.mart("segment_profiles")
heatmap = context.mart("segment_feature_heatmap")
importance = context.mart("segment_feature_importance")

style = views.group_filter(charts.segment_style(profiles), key="model_segments")
feature_count = st.sidebar.slider(
    "Features shown (most separating first)", min_value=1, max_value=len(importance), value=len(importance)
)

st.title("Model analysis")
summary = summaries.model_summary(diagnostics, profiles)
columns = st.columns(5)
columns[0].metric("Reference month", fmt.month(summary.reference_month), help="The month the model was trained on")
columns[1].metric("Segments (k)", summary.k)
columns[2].metric(
    "Training customers", fmt.count(summary.training_customers), help="Active customers at the reference month"
)
columns[3].metric("Inertia", fmt.number(summary.inertia, 0), help="Within-segment sum of squares of the chosen fit")
columns[4].metric("Random seed", summary.random_seed, help="Seed of every fit: same data and seed, same model")

st.subheader("Choosing the number of segments")
left, right = st.columns([1, 2])
with left:
    views.show_chart(charts.elbow_chart(diagnostics))
with right:
    views.show_chart(charts.quality_chart(diagnostics))

st.subheader("What sets the segments apart")
top_features = importance.sort_values("importance_rank").head(feature_count)
shown = heatmap.loc[
    heatmap["segment_id"].astype(str).isin(style.keys) & heatmap["feature"].isin(top_features["feature"])
]
views.show_chart(charts.centroid_heatmap(shown, top_features, style))
st.caption(
    "0 is the average active customer; +1 is one standard deviation above it "
    "(after the signed log for money and counts)."
)
views.show_chart(charts.importance_chart(top_features))

with st.expander("Diagnostics by k"):
    st.dataframe(
        diagnostics.sort_values("k"),
        hide_index=True,
        column_order=[
            "k",
            "inertia",
            "silhouette",
            "davies_bouldin",
            "calinski_harabasz",
            "silhouette_sample_size",
            "fitted_customers",
            "is_chosen_k",
        ],
        column_config={
            "k": st.column_config.NumberColumn("k"),
            "inertia": st.column_config.NumberColumn("Inertia", format="%,.0f"),
            "silhouette": st.column_config.NumberColumn("Silhouette", format="%.3f"),
            "davies_bouldin": st.column_config.NumberColumn("Davies-Bouldin", format="%.3f"),
            "calinski_harabasz": st.column_config.NumberColumn("Calinski-Harabasz", format="%,.1f"),
            "silhouette_sample_size": st.column_config.NumberColumn("Silhouette sample", format="%,d"),
            "fitted_customers": st.column_config.NumberColumn("Customers fitted", format="%,d"),
            "is_chosen_k": st.column_config.CheckboxColumn("Chosen"),
        },
    )
