export { AskBox } from './components/ask-box';
