// A page that fails while drawing shows a message instead of an empty window.
import { Result } from "antd";
import { Component, type ReactNode } from "react";

export class PageBoundary extends Component<{ children: ReactNode; page: string }, { failed: boolean }> {
  state = { failed: false };

  static getDerivedStateFromError() {
    return { failed: true };
  }

  componentDidUpdate(previous: { page: string }) {
    if (previous.page !== this.props.page && this.state.failed) this.setState({ failed: false });
  }

  render() {
    if (this.state.failed)
      return <Result status="error" title="页面出错了" subTitle="请刷新页面后重试；如仍有问题，请联系系统管理员。" />;
    return this.props.children;
  }
}
